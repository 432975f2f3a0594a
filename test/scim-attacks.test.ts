/** Attacks on SCIM and the member lifecycle from a second review: PATCH shapes that must not silently succeed, restarts, and database/workflow agreement. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideMemberStatus } from '../temporal/member-status.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { insertMember } from './support/fixtures.ts';
import { orgTables, scimApp, scimOrg } from './support/scim.ts';
import { ENTERPRISE_USER, PATCH_OP, entra, okta } from './support/scim-fixtures.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { withEmailHash } from './support/payload-keys.ts';

let h: TestHarness;
let scim: ReturnType<typeof scimApp>;
beforeAll(async () => {
  h = await startHarness();
  scim = scimApp(h);
});
afterAll(async () => {
  await h?.stop();
});

const uniqueSuffix = () => randomBytes(4).toString('hex');
const memberIdOf = async (scimId: string) => (await h.sql<{ member_id: string }[]>`select member_id from directory_links where scim_id = ${scimId}`)[0]!.member_id;
const statusOf = async (memberId: string) => (await h.sql<{ status: string }[]>`select status from members where id = ${memberId}`)[0]!.status;

async function created(name: string, body?: (email: string) => unknown) {
  const org = await scimOrg(h, 'rv8');
  const email = `${name}@${org.domain}`;
  const res = await scim('POST', '/Users', { token: org.token, body: body ? body(email) : okta.create(email, `ext-${name}`) });
  expect(res.status).toBe(201);
  const memberId = await memberIdOf(res.body.id);
  // Settled: the lifecycle has stamped its start and projected the create, so snapshots taken now stay as they are.
  const [{ seq }]: [{ seq: string }] = await h.sql`select directory_seq as seq from directory_links where member_id = ${memberId}`;
  const lifecycle = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  await eventually(async () => ((await lifecycle.query(memberStateQuery)).directory.seq === Number(seq) ? true : undefined));
  return { org, email, id: res.body.id as string, memberId };
}

it('refuses a replace without path whose value names no attribute (400), instead of a 200 that changes nothing', async () => {
  const { org, id } = await created('empty');
  const before = await orgTables(h, org.id);
  const res = await scim('PATCH', `/Users/${id}`, { token: org.token, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: {} }] } });
  expect(res.status).toBe(400);
  expect(await orgTables(h, org.id)).toEqual(before);
});

it('a manual disable holds while the directory deactivates and reactivates; follow-directory then applies the directory', async () => {
  const { org, id, memberId } = await created('held');
  const admin = await insertMember(h.sql, org.id, `admin@${org.domain}`, { orgRole: 'org_admin' });
  const member = { orgId: org.id, orgSlug: org.slug, memberId, email: `held@${org.domain}`, source: 'directory' as const };
  const off = await decideMemberStatus(h.client, h.taskQueue, withEmailHash(member), 'disable', { by: admin.id, reason: 'investigation' });
  expect(off.status).toBe('disabled');
  for (const active of [false, true, false, true]) expect((await scim('PATCH', `/Users/${id}`, { token: org.token, body: entra[active ? 'enable' : 'disable']() })).status).toBe(200);
  const got = await scim('GET', `/Users/${id}`, { token: org.token });
  expect(got.body.active).toBe(true);
  const state = await h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId)).query('memberState');
  expect(state).toMatchObject({ status: 'disabled', override: { kind: 'disabled' } });
  expect(await statusOf(memberId)).toBe('disabled');
  const back = await decideMemberStatus(h.client, h.taskQueue, withEmailHash(member), 'follow-directory', { by: admin.id, reason: null });
  expect(back.status).toBe('active');
  expect(await statusOf(memberId)).toBe('active');
});

it('the last active org admin cannot disable themselves, and nothing changes', async () => {
  const org = await scimOrg(h, 'rv8');
  const admin = await insertMember(h.sql, org.id, `solo@${org.domain}`, { orgRole: 'org_admin' });
  const member = { orgId: org.id, orgSlug: org.slug, memberId: admin.id, email: admin.email, source: 'operator' as const };
  await expect(decideMemberStatus(h.client, h.taskQueue, withEmailHash(member), 'disable', { by: admin.id, reason: null })).rejects.toThrow(/admin/i);
  expect(await statusOf(admin.id)).toBe('active');
});

it('DELETE then a re-create with a different userName and externalId links the same member and enables them', async () => {
  const { org, email, id, memberId } = await created('phoenix');
  expect((await scim('DELETE', `/Users/${id}`, { token: org.token })).status).toBe(204);
  await eventually(async () => ((await statusOf(memberId)) === 'disabled' ? true : undefined));
  const again = await scim('POST', '/Users', { token: org.token, body: entra.create(`Phoenix_${uniqueSuffix()}`, email, 'ext-phoenix-2') });
  expect(again.status).toBe(201);
  expect(again.body.id).not.toBe(id);
  expect(await memberIdOf(again.body.id)).toBe(memberId);
  await eventually(async () => ((await statusOf(memberId)) === 'active' ? true : undefined));
  expect((await scim('GET', `/Users/${id}`, { token: org.token })).status).toBe(404);
});

it("another org's token cannot reach, filter to, or delete this org's user", async () => {
  const { org, id } = await created('mine');
  const other = await scimOrg(h, 'rv8x');
  expect((await scim('GET', `/Users/${id}`, { token: other.token })).status).toBe(404);
  expect((await scim('DELETE', `/Users/${id}`, { token: other.token })).status).toBe(404);
  expect((await scim('PATCH', `/Users/${id}`, { token: other.token, body: okta.setActive(false) })).status).toBe(404);
  const listed = await scim('GET', `/Users?filter=${encodeURIComponent(`id eq "${id}" or userName sw "mine"`)}`, { token: other.token });
  expect(listed.body.totalResults).toBe(0);
  const injected = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "x' or '1'='1"`)}`, { token: org.token });
  expect(injected).toMatchObject({ status: 200, body: { totalResults: 0 } });
});

it('concurrent, duplicated deactivate/reactivate PATCHes: the member status ends where the directory state ends', async () => {
  const { org, id, memberId } = await created('flappy');
  const sequence = [false, true, false, false, true, false, true, true, false, true, false];
  const answers = await Promise.all(sequence.map((active) => scim('PATCH', `/Users/${id}`, { token: org.token, body: active ? entra.enable() : okta.setActive(false) })));
  expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
  const [link]: [{ directory_state: string; directory_seq: string; signalled_seq: string }] = await h.sql`
    select directory_state, directory_seq, signalled_seq from directory_links where scim_id = ${id}`;
  const expected = link.directory_state === 'active' ? 'active' : 'disabled';
  expect(link.signalled_seq).toBe(link.directory_seq);
  const handle = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  const seen = async () => (await handle.query<{ directory: { seq: number } }>('memberState')).directory.seq;
  await eventually(async () => ((await seen()) === Number(link.directory_seq) ? true : undefined)).catch(() => undefined);
  expect(await handle.query('memberState')).toMatchObject({ status: expected, directory: { state: link.directory_state, seq: Number(link.directory_seq) } });
  expect(await statusOf(memberId)).toBe(expected);
});

it('a person the directory creates inactive is never an active member, even before the lifecycle runs', async () => {
  const org = await scimOrg(h, 'rv8');
  const idle = scimApp(h, `rv8-no-worker-${uniqueSuffix()}`);
  const email = `dormant@${org.domain}`;
  const res = await idle('POST', '/Users', { token: org.token, body: { ...okta.create(email, 'ext-dormant'), active: 'False' } });
  expect(res.status).toBe(201);
  expect(res.body.active).toBe(false);
  expect(await statusOf(await memberIdOf(res.body.id))).toBe('disabled');
});

it('answers malformed JSON, an application/json body and an oversized body as RFC 7644 errors, changing nothing', async () => {
  const { org, id } = await created('bodies');
  const before = await orgTables(h, org.id);
  const broken = await scim('PATCH', `/Users/${id}`, { token: org.token, body: '{"schemas": [' });
  expect(broken).toMatchObject({ status: 400, body: { status: '400', scimType: 'invalidSyntax' } });
  const huge = { ...okta.create(`huge@${org.domain}`, 'ext-huge'), displayName: 'x'.repeat(2_000_000) };
  const tooLarge = await scim('POST', '/Users', { token: org.token, body: huge });
  expect(tooLarge).toMatchObject({ status: 413, body: { status: '413' } });
  expect(await orgTables(h, org.id)).toEqual(before);
  const plain = await scim('PATCH', `/Users/${id}`, { token: org.token, body: okta.setActive(false), contentType: 'application/json; charset=utf-8' });
  expect(plain.status).toBe(200);
  expect(plain.type).toMatch(/^application\/scim\+json/);
});

it('takes attribute names in any case in a create, "Schemas" included (RFC 7643 §2.1), with "False" as false', async () => {
  const org = await scimOrg(h, 'rv8');
  const email = `casey@${org.domain}`;
  const res = await scim('POST', '/Users', {
    token: org.token,
    body: { Schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], UserName: email, Active: 'False', Emails: [{ Value: email, Type: 'work', Primary: 'True' }] },
  });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ userName: email, active: false, emails: [{ value: email, type: 'work', primary: true }] });
});

it('creates a member from the bare minimum a directory may send: a userName that is an email, nothing else', async () => {
  const org = await scimOrg(h, 'rv8');
  const res = await scim('POST', '/Users', { token: org.token, body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `bare@${org.domain}` } });
  expect(res.status).toBe(201);
  expect(res.body.active).toBe(true);
});

it("a lifecycle restarted after it ended (terminated by an operator) keeps the admin's manual disable and its audit trail", async () => {
  const { org, id, memberId } = await created('restart');
  const admin = await insertMember(h.sql, org.id, `boss@${org.domain}`, { orgRole: 'org_admin' });
  const member = { orgId: org.id, orgSlug: org.slug, memberId, email: `restart@${org.domain}`, source: 'directory' as const };
  expect((await decideMemberStatus(h.client, h.taskQueue, withEmailHash(member), 'disable', { by: admin.id, reason: 'left the project' })).status).toBe('disabled');
  const handle = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  await handle.terminate('operator clean-up');
  const audits = async () => (await h.sql<{ n: number }[]>`select count(*)::int as n from audit_events where member_id = ${memberId} and type like 'member.%'`)[0]!.n;
  const before = await audits();
  // The directory flaps: its next event starts a new lifecycle run (signal-with-start).
  expect((await scim('PATCH', `/Users/${id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
  expect((await scim('PATCH', `/Users/${id}`, { token: org.token, body: okta.setActive(true) })).status).toBe(200);
  const latest = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  const seq = Number((await h.sql<{ s: string }[]>`select directory_seq as s from directory_links where scim_id = ${id}`)[0]!.s);
  await eventually(async () => ((await latest.query<{ directory: { seq: number } }>('memberState')).directory.seq === seq ? true : undefined));
  const [row] = await h.sql<{ status: string; status_override: string | null }[]>`select status, status_override from members where id = ${memberId}`;
  expect(row).toEqual({ status: 'disabled', status_override: 'disabled' });
  expect(await latest.query('memberState')).toMatchObject({ status: 'disabled', override: { kind: 'disabled', by: admin.id } });
  // The directory's flapping changed nothing the manual disable decides: no status event was written.
  expect(await audits()).toBe(before);
});

it('after a lifecycle restart, every status flip the directory causes is audited (no flip unaudited, none swallowed by an old key)', async () => {
  const { org, id, memberId } = await created('audited');
  const flips = async () =>
    (await h.sql<{ type: string }[]>`select type from audit_events where member_id = ${memberId} and type in ('member.enabled', 'member.disabled') order by id`).map((r) => r.type);
  expect((await scim('PATCH', `/Users/${id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
  await eventually(async () => ((await statusOf(memberId)) === 'disabled' ? true : undefined));
  const before = await flips();
  await h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId)).terminate('operator clean-up');
  expect((await scim('PATCH', `/Users/${id}`, { token: org.token, body: okta.setActive(true) })).status).toBe(200);
  await eventually(async () => ((await statusOf(memberId)) === 'active' ? true : undefined));
  expect((await scim('PATCH', `/Users/${id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
  await eventually(async () => ((await statusOf(memberId)) === 'disabled' ? true : undefined));
  await eventually(async () => ((await flips()).length >= before.length + 2 ? true : undefined), 5_000).catch(() => undefined);
  expect(await flips()).toEqual([...before, 'member.enabled', 'member.disabled']);
});

it('refuses every PATCH whose value is empty or self-cancelling (400): none may answer 200 having changed nothing', async () => {
  const { org, id } = await created('hollow');
  const shapes = [
    { op: 'add', path: 'emails', value: [] },
    { op: 'replace', path: 'name', value: {} },
    { op: 'replace', path: 'emails[type eq "work"]', value: {} },
    { op: 'add', path: 'roles', value: {} },
    { op: 'replace', value: { [ENTERPRISE_USER]: {} } },
    { op: 'replace', value: { active: false, Active: true } },
  ];
  const answers: Record<string, number> = {};
  for (const op of shapes) answers[JSON.stringify(op)] = (await scim('PATCH', `/Users/${id}`, { token: org.token, body: { schemas: [PATCH_OP], Operations: [op] } })).status;
  expect(answers).toEqual(Object.fromEntries(shapes.map((op) => [JSON.stringify(op), 400])));
});
