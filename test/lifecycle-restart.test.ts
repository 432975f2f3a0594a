/** A member's lifecycle started again after an operator terminated it, with the directory's events still in flight. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSession, resolveSession } from '../auth/sessions.ts';
import { loadConfig } from '../config/index.ts';
import { sendDirectoryEvent } from '../temporal/directory-events.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { recordHistory } from './support/histories.ts';
import { scimApp, scimOrg } from './support/scim.ts';
import { okta } from './support/scim-fixtures.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

const config = loadConfig({ APP_ENV: 'test' });
let h: TestHarness;
let scim: ReturnType<typeof scimApp>;
beforeAll(async () => {
  h = await startHarness();
  scim = scimApp(h);
});
afterAll(async () => {
  await h?.stop();
});

const linkOf = async (scimId: string) =>
  (await h.sql<{ memberId: string; seq: string }[]>`select member_id as "memberId", directory_seq as seq from directory_links where scim_id = ${scimId}`)[0]!;
const statusOf = async (memberId: string) => (await h.sql<{ status: string }[]>`select status from members where id = ${memberId}`)[0]!.status;

it('an older directory event reaching a lifecycle started again after a terminate does not re-enable the removed member', async () => {
  const org = await scimOrg(h, 'restart');
  const email = `gone@${org.domain}`;
  const created = await scim('POST', '/Users', { token: org.token, body: okta.create(email, 'ext-gone') });
  expect(created.status).toBe(201);
  const { memberId, seq: activeSeq } = await linkOf(created.body.id);
  const member = { orgId: org.id, orgSlug: org.slug, memberId, email };
  const lifecycle = () => h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  await eventually(async () => ((await lifecycle().query(memberStateQuery)).directory.seq === Number(activeSeq) ? true : undefined));

  // The directory says active (seq 5), then inactive (seq 7); the active event of seq 6 is still in flight.
  const [{ inFlight }] = await h.sql<[{ inFlight: string }]>`select nextval('directory_event_seq') as "inFlight"`;
  const late = { state: 'active' as const, seq: Number(inFlight), at: new Date().toISOString() };
  expect((await scim('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
  const { seq: inactiveSeq } = await linkOf(created.body.id);
  expect(Number(inactiveSeq)).toBeGreaterThan(late.seq);
  await eventually(async () => ((await statusOf(memberId)) === 'disabled' ? true : undefined));

  await lifecycle().terminate('operator clean-up');
  await sendDirectoryEvent(h.client, member, late, h.taskQueue, testEmailHash);

  // Settled: the new run has taken the late event in turn and has no projection in flight.
  const state = await eventually(async () => {
    const [s, described] = await Promise.all([lifecycle().query(memberStateQuery), lifecycle().describe()]);
    return s.directory.seq >= late.seq && !described.raw.pendingActivities?.length ? s : undefined;
  });
  expect(state).toMatchObject({ status: 'disabled', directory: { state: 'inactive', seq: Number(inactiveSeq) } });
  expect(await statusOf(memberId)).toBe('disabled');
  const session = await createSession(h.sql, config, memberId);
  expect(await resolveSession(h.sql, config, session)).toBeUndefined();
  await lifecycle().terminate('test finished');
});

it("a lifecycle started again applies the directory's latest word that the terminated one accepted but never applied", async () => {
  const org = await scimOrg(h, 'restart');
  const email = `late@${org.domain}`;
  const created = await scim('POST', '/Users', { token: org.token, body: okta.create(email, 'ext-late') });
  const { memberId, seq } = await linkOf(created.body.id);
  const member = { orgId: org.id, orgSlug: org.slug, memberId, email };
  const lifecycle = () => h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  await eventually(async () => ((await lifecycle().query(memberStateQuery)).directory.seq === Number(seq) ? true : undefined));
  await lifecycle().terminate('operator clean-up');
  // The directory's deactivation committed and was marked delivered, but the run that took the signal ended first.
  await h.sql`update directory_links set directory_state = 'inactive', directory_seq = nextval('directory_event_seq'),
                directory_changed_at = clock_timestamp(), signalled_seq = currval('directory_event_seq')
              where member_id = ${memberId}`;

  await sendDirectoryEvent(h.client, member, { state: 'active', seq: Number(seq), at: new Date().toISOString() }, h.taskQueue, testEmailHash);
  await eventually(async () => ((await statusOf(memberId)) === 'disabled' ? true : undefined));
  expect(await lifecycle().query(memberStateQuery)).toMatchObject({ status: 'disabled', disabledBy: 'directory', directory: { state: 'inactive' } });
  const [audit] = await h.sql`select actor, data from audit_events where member_id = ${memberId} and type = 'member.disabled'`;
  expect(audit).toMatchObject({ actor: 'directory', data: { directoryState: 'inactive' } });
  await recordHistory(lifecycle(), 'member-lifecycle-started-again');
  await lifecycle().terminate('test finished');
});
