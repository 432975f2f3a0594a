/**
 * Least privilege for the roles the owner's default privileges serve (deploy/database-roles.sql gives
 * the app role DML on every new table). The audit log stays append-only even for a compromised app:
 * only the owner keeps UPDATE, DELETE and TRUNCATE, and only the owner could disable the triggers of
 * 0001. Migration bookkeeping (ley's `migrations` table) is the owner's alone. Names no role, so it
 * also holds where tests migrate as a superuser and nothing was granted.
 */
export async function up(sql) {
  await sql.unsafe(`
    do $$
    declare
      grant_row record;
    begin
      for grant_row in
        select distinct c.oid::regclass as tbl, a.grantee::regrole as grantee,
          case c.relname when 'audit_events' then 'update, delete, truncate, references, trigger' else 'all' end as privileges
        from pg_class c cross join lateral aclexplode(c.relacl) a
        where c.relnamespace = current_schema()::regnamespace
          and c.relname in ('audit_events', 'migrations')
          and a.grantee not in (0, c.relowner)
      loop
        execute format('revoke %s on %s from %s', grant_row.privileges, grant_row.tbl, grant_row.grantee);
      end loop;
    end $$;
  `);
}

/** Nothing to restore: no role but the owner should ever hold these privileges again. */
export async function down() {}
