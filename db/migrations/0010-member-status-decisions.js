/**
 * The read model of a member's status decision, written only by the member's lifecycle workflow
 * (which owns the decision) in the same transaction as `members.status`: what the directory last
 * said, and an org admin's override with who, when and why. The api reads it from here.
 */
export async function up(sql) {
  await sql.unsafe(`
    alter table members
      add column directory_state text not null default 'none'
        check (directory_state in ('none', 'active', 'inactive', 'deleted')),
      add column status_override text check (status_override in ('disabled', 'enabled')),
      add column status_override_by uuid references members(id) on delete restrict,
      add column status_override_at timestamptz,
      add column status_override_reason text check (length(status_override_reason) <= 500),
      -- An override always says who and when; without one, nothing is left of the last.
      add constraint members_status_override_complete check (
        (status_override is null) = (status_override_by is null)
        and (status_override is null) = (status_override_at is null)
        and (status_override is not null or status_override_reason is null));
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    alter table members drop constraint members_status_override_complete,
      drop column status_override_reason, drop column status_override_at, drop column status_override_by,
      drop column status_override, drop column directory_state;
  `);
}
