import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger } from '../../config/logger.ts';
import { createScimToken } from '../../operator/scim-tokens.ts';
import { directoryEventSignal, memberWorkflowId, type DirectoryEvent } from '../../workflows/definitions.ts';
import { insertOrg } from './fixtures.ts';
import { okta, oktaGroups } from './scim-fixtures.ts';
import { decodedValue, testDataConverter } from './payload-keys.ts';
import type { TestHarness } from './temporal.ts';

export interface ScimAnswer {
  status: number;
  type: string | null;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM answers are read field by field in assertions
  body: any;
}

/** SCIM over real HTTP to a running api, as a directory sends it (a content type only with a body). */
export async function scimOverHttp(appUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Pick<ScimAnswer, 'status' | 'body'>> {
  const res = await fetch(`${appUrl}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * The app as the api serves it, called in-process through app.request (no port); on the harness's
 * task queue and Temporal connection unless told (a replica cut off from Temporal, say).
 */
export function scimApp(h: TestHarness, taskQueue = h.taskQueue, temporal: { client: Client; connection: Connection } = h) {
  const config = loadConfig({ APP_ENV: 'test', TASK_QUEUE: taskQueue, LOG_LEVEL: 'silent' });
  const app = createApp({ config, sql: h.sql, temporal: { client: temporal.client, connection: temporal.connection }, log: createLogger('silent') });
  return async (method: string, path: string, { token, body, contentType = 'application/scim+json' }: { token?: string; body?: unknown; contentType?: string } = {}): Promise<ScimAnswer> => {
    const res = await app.request(`/scim/v2${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}

/**
 * A lazy connection to a closed port whose client does not retry: a cut-off replica on it answers 503
 * at once rather than after the api's 5-second signal deadline, for tests whose subject is the saved
 * event that Temporal never got, not that wait.
 */
export const unreachableAtOnce = () => Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });

/** The SCIM api of a replica that cannot reach Temporal (`unreachable`: a lazy connection to a closed port), on the harness's database. */
export function cutOffScimApp(h: TestHarness, unreachable: Connection) {
  const config = loadConfig({ APP_ENV: 'test', TASK_QUEUE: h.taskQueue, LOG_LEVEL: 'silent' });
  const app = createApp({ config, sql: h.sql, temporal: { client: new Client({ connection: unreachable, dataConverter: testDataConverter }), connection: unreachable }, log: createLogger('silent') });
  return (method: string, path: string, token: string, body?: unknown) =>
    app.request(`/scim/v2${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
}

/** An organisation with the verified domain `{slug}.test` and a live SCIM token. */
/** A SCIM client of one organisation's token against the api at `appUrl`. */
export const scimClient = (appUrl: string, token: string) => (method: string, path: string, body?: unknown) => scimOverHttp(appUrl, token, method, path, body);

/** A SCIM Group's member ids, sorted. */
export const memberValues = (body: { members?: { value: string }[] }) => (body.members ?? []).map((m) => m.value).sort();

export async function scimOrg(h: TestHarness, prefix = 'dir') {
  const org = await insertOrg(h.sql, `${prefix}-${randomBytes(4).toString('hex')}`);
  const domain = `${org.slug}.test`;
  await h.sql`insert into verified_domains (domain, org_id) values (${domain}, ${org.id})`;
  const { token } = await createScimToken(h.sql, { org: org.slug });
  return { ...org, domain, token };
}

/** The directory events the member's lifecycle received as signals, in the order it got them. */
export async function directorySignals(h: TestHarness, orgSlug: string, memberId: string): Promise<DirectoryEvent[]> {
  const history = await h.client.workflow.getHandle(memberWorkflowId(orgSlug, memberId)).fetchHistory();
  const signals = (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((s) => s?.signalName === directoryEventSignal.name);
  return Promise.all(signals.map((s) => decodedValue<DirectoryEvent>(s!.input!.payloads![0]!)));
}

/** What a SCIM request may change in the organisation; a refused one must leave it exactly so. */
export async function orgTables(h: TestHarness, orgId: string) {
  const [tables] = await h.sql`
    select
      (select coalesce(json_agg(m order by m.id), '[]') from members m where org_id = ${orgId}) as members,
      (select coalesce(json_agg(l order by l.member_id), '[]') from directory_links l where org_id = ${orgId}) as links,
      (select coalesce(json_agg(a order by a.id), '[]') from audit_events a where org_id = ${orgId}) as audit,
      (select coalesce(json_agg(json_build_object('id', t.id, 'revoked', t.revoked_at) order by t.id), '[]') from scim_tokens t where org_id = ${orgId}) as tokens`;
  return tables;
}

/**
 * `count` live directory users of the organisation written straight into PostgreSQL, for group
 * tests that need many members: groups start no workflow, so the users' lifecycles do not matter.
 */
export interface BulkUser {
  id: string;
  userName: string;
  memberId: string;
}
export async function directoryUsersInDatabase(h: Pick<TestHarness, 'sql'>, org: { id: string; domain: string }, count: number, prefix = 'bulk'): Promise<BulkUser[]> {
  const rows = await h.sql<BulkUser[]>`
    with m as (
      insert into members (org_id, email, name, source, org_role, status, directory_state)
      select ${org.id}, ${prefix} || i || '@' || ${org.domain}, 'Bulk ' || i, 'directory', 'member', 'active', 'active'
      from generate_series(1, ${count}::int) i
      returning id, email)
    insert into directory_links (member_id, org_id, user_name, resource, directory_state)
    select id, ${org.id}, email, jsonb_build_object('userName', email, 'active', true), 'active' from m
    returning scim_id::text as id, user_name::text as "userName", member_id as "memberId"`;
  return [...rows];
}

/** The organisation's groups and memberships, for asserting that a refused request changed nothing. */
export async function groupTables(h: TestHarness, orgId: string) {
  const [tables] = await h.sql`
    select
      (select coalesce(json_agg(g order by g.id), '[]') from directory_groups g where org_id = ${orgId}) as groups,
      (select coalesce(json_agg(gm order by gm.group_id, gm.member_id), '[]') from directory_group_members gm where org_id = ${orgId}) as members,
      (select count(*)::int from audit_events where org_id = ${orgId}) as audit`;
  return tables;
}

/** A directory group of new people, pushed over SCIM as Okta does it: each user, then the group naming them. */
export async function scimGroupWithPeople(appUrl: string, token: string, displayName: string, people: { email: string; given: string; family: string }[]) {
  const scim = scimClient(appUrl, token);
  const users: { id: string; userName: string }[] = [];
  for (const { email, given, family } of people) {
    const created = await scim('POST', '/Users', okta.create(email, `ext-${email}`, given, family));
    if (created.status !== 201) throw new Error(`SCIM user ${email} not created: ${created.status} ${JSON.stringify(created.body)}`);
    users.push({ id: created.body.id, userName: email });
  }
  const group = await scim('POST', '/Groups', { ...oktaGroups.create(displayName), members: users.map((u) => ({ value: u.id, display: u.userName })) });
  if (group.status !== 201) throw new Error(`SCIM group ${displayName} not created: ${group.status} ${JSON.stringify(group.body)}`);
  return { groupId: group.body.id as string, users };
}
