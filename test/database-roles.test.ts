import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directProvisioning } from './support/provisioning.ts';
import { auditActivities } from '../activities/audit.ts';
import { createSql, type Sql } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { removeDomain } from '../operator/operations.ts';
import { insertSsoOrg } from './support/fixtures.ts';

// Roles are cluster-wide: unique names per run, dropped at the end.
const run = randomBytes(4).toString('hex');
const database = `sso_roles_${run}`;
const owner = `sso_owner_${run}`;
const app = `sso_app_${run}`;
const admin = new URL(process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const urlAs = (user: string, password: string) =>
  Object.assign(new URL(admin), { username: user, password, pathname: `/${database}` }).toString();

let adminSql: Sql;
let ownerSql: Sql;
let appSql: Sql;

/** deploy/database-roles.sql run the way docker-compose's database-roles service runs it. */
async function createDatabaseAndRoles() {
  await promisify(execFile)('psql', ['--no-psqlrc', '--file', join(import.meta.dirname, '..', 'deploy', 'database-roles.sql')], {
    env: {
      PATH: process.env.PATH,
      PGHOST: admin.hostname,
      PGPORT: admin.port || '5432',
      PGUSER: decodeURIComponent(admin.username),
      PGPASSWORD: decodeURIComponent(admin.password),
      PGDATABASE: admin.pathname.slice(1),
      APP_DATABASE: database,
      DB_OWNER_ROLE: owner,
      DB_OWNER_PASSWORD: `owner-${run}`,
      DB_APP_ROLE: app,
      DB_APP_PASSWORD: `app-${run}`,
    },
  });
}

beforeAll(async () => {
  adminSql = createSql(admin.toString(), { max: 1 });
  await createDatabaseAndRoles();
  await migrate(urlAs(owner, `owner-${run}`));
  ownerSql = createSql(urlAs(owner, `owner-${run}`), { max: 1 });
  appSql = createSql(urlAs(app, `app-${run}`), { max: 2 });
});

afterAll(async () => {
  await Promise.allSettled([appSql?.end(), ownerSql?.end()]);
  await adminSql.unsafe(`drop database if exists "${database}" with (force)`);
  await adminSql.unsafe(`drop role if exists "${app}", "${owner}"`);
  await adminSql.end();
});

const permissionDenied = /permission denied|must be owner/;

describe('the app database role (deploy/database-roles.sql, migrated as the owner role)', () => {
  it('is no superuser, owns nothing and is not a member of the owner role', async () => {
    const [role] = await adminSql`
      select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, pg_has_role(${app}, ${owner}, 'member') as in_owner
      from pg_roles where rolname = ${app}`;
    expect(role).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false, in_owner: false });
    const [owned] = await appSql`
      select (select count(*) from pg_class where relowner = current_user::regrole)::int
        + (select count(*) from pg_proc where proowner = current_user::regrole)::int
        + (select count(*) from pg_namespace where nspowner = current_user::regrole)::int as objects`;
    expect(owned?.objects).toBe(0);
  });

  it('can only append to and read audit_events, and cannot switch its triggers off', async () => {
    await auditActivities(appSql).recordAuditEvent({ orgId: null, memberId: null, actor: 'test', type: 'test.appended', idempotencyKey: `k-${run}` });
    expect(await appSql`select type from audit_events where idempotency_key = ${`k-${run}`}`).toEqual([{ type: 'test.appended' }]);

    const privileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
    const held = await appSql`select p from unnest(${privileges}::text[]) p where has_table_privilege('audit_events', p)`;
    expect(held.map((row) => row.p)).toEqual(['SELECT', 'INSERT']);

    await expect(appSql`update audit_events set type = 'forged'`).rejects.toThrow(/permission denied for table audit_events/);
    await expect(appSql`delete from audit_events`).rejects.toThrow(/permission denied for table audit_events/);
    await expect(appSql`truncate audit_events`).rejects.toThrow(/permission denied for table audit_events/);
    await expect(appSql`alter table audit_events disable trigger audit_events_no_update_delete`).rejects.toThrow(/must be owner/);
    await expect(appSql`alter table audit_events disable trigger all`).rejects.toThrow(/must be owner/);
    await expect(appSql`drop trigger audit_events_no_truncate on audit_events`).rejects.toThrow(/must be owner/);
    await expect(appSql`set session_replication_role = replica`).rejects.toThrow(permissionDenied);
    await expect(appSql`create or replace function audit_events_append_only() returns trigger language plpgsql as 'begin return new; end'`).rejects.toThrow(
      permissionDenied,
    );
  });

  it('cannot change the schema or the migration bookkeeping', async () => {
    await expect(appSql`create table sneaky (id int)`).rejects.toThrow(/permission denied for schema public/);
    await expect(appSql`alter table members add column sneaky int`).rejects.toThrow(/must be owner/);
    await expect(appSql`delete from migrations`).rejects.toThrow(/permission denied for table migrations/);
  });

  it('does what the app does: operator writes, a sign-in provisioned twice, a domain removed', async () => {
    const { org, signIn } = await insertSsoOrg(appSql);
    const { provisionIdentity } = directProvisioning(appSql);
    expect(await provisionIdentity(signIn('ada'))).toMatchObject({ outcome: 'created' });
    expect(await provisionIdentity({ ...signIn('ada'), name: 'Ada L.' })).toMatchObject({ outcome: 'signed_in' });
    await removeDomain(appSql, { org: org.slug, domain: `${org.slug}.test` });
    expect(await appSql`select count(*)::int as events from audit_events where org_id = ${org.id}`).toEqual([{ events: 4 }]);
  });

  it('gets DML on a table a later migration creates, through the owner role', async () => {
    await ownerSql`create table later_feature (id int primary key, note text)`;
    await appSql`insert into later_feature values (1, 'a')`;
    await appSql`update later_feature set note = 'b' where id = 1`;
    await appSql`delete from later_feature where id = 1`;
    await expect(appSql`truncate later_feature`).rejects.toThrow(/permission denied/);
  });
});
