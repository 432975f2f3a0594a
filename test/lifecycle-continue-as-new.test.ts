import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-server.ts';
import { decideMemberStatus, type StatusDecisionName } from '../temporal/member-status.ts';
import { lifecycleStart, memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { sendDirectoryEvent } from '../temporal/directory-events.ts';
import { followingTheDirectory } from './support/directory.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash, withEmailHash } from './support/payload-keys.ts';

// Its own server, where a few events are "too many": every lifecycle here continues as new once.
let server: DevServer;
let h: TestHarness;
beforeAll(async () => {
  server = await startTemporalDevServer({
    cli: await resolveTemporalCli(),
    namespace: 'default',
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 8 },
  });
  h = await startHarness({ address: server.address });
});
afterAll(async () => {
  await h?.stop();
  await server?.stop();
});

it('a lifecycle whose history grows continues as new, keeping its state and writing its start once', async () => {
  const org = await insertOrg(h.sql);
  const member = await insertMember(h.sql, org.id, `ada@${org.slug}.test`);
  const ref = { orgId: org.id, orgSlug: org.slug, memberId: member.id };
  const first = await h.client.workflow.start(memberLifecycleWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: memberWorkflowId(org.slug, member.id),
    ...lifecycleStart({ ...ref, emailHash: testEmailHash(member.email), source: 'operator', waitingSince: null }),
  });

  const firstRun = h.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId);
  await eventually(async () => ((await firstRun.fetchHistory()).events?.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity') ? true : undefined));
  // The lifecycle has no messages of its own yet; any signal gives it a workflow task, which is
  // where the server suggests continue-as-new.
  await firstRun.signal('nudge');
  await eventually(async () => ((await firstRun.describe()).status.name === 'CONTINUED_AS_NEW' ? true : undefined));
  const latest = h.client.workflow.getHandle(first.workflowId);
  expect((await latest.describe()).runId).not.toBe(first.firstExecutionRunId);
  const [{ createdAt }]: [{ createdAt: Date }] = await h.sql`select created_at as "createdAt" from members where id = ${member.id}`;
  expect(await latest.query(memberStateQuery)).toEqual({
    ...ref,
    emailHash: testEmailHash(member.email),
    status: 'active',
    siteAccessPending: true,
    siteAccessPendingSince: createdAt.toISOString(),
    siteAccessChangedAt: expect.any(String),
    // The email as stored when the lifecycle started (its seed) is the latest it has applied.
    emailChangedAt: expect.any(String),
    ...followingTheDirectory,
  });
  expect(await h.sql`select type from audit_events where member_id = ${member.id}`).toEqual([{ type: 'member.lifecycle_started' }]);

  await recordHistory(firstRun, 'member-lifecycle-continued-as-new');
  await latest.terminate('test finished');
});

it('continue-as-new keeps the directory\'s word, the override and the decision count, and loses no event or decision sent meanwhile', async () => {
  const org = await insertOrg(h.sql);
  const boss = await insertMember(h.sql, org.id, `boss@${org.slug}.test`, { orgRole: 'org_admin' });
  const bo = await insertMember(h.sql, org.id, `bo@${org.slug}.test`, { source: 'directory' });
  const member = { orgId: org.id, orgSlug: org.slug, memberId: bo.id, email: bo.email, source: 'directory' as const };
  const at = new Date().toISOString();
  const decide = (decision: StatusDecisionName) => decideMemberStatus(h.client, h.taskQueue, withEmailHash(member), decision, { by: boss.id, reason: decision });
  const first = await sendDirectoryEvent(h.client, member, { state: 'active', seq: 1, at }, h.taskQueue, testEmailHash);
  expect(await decide('disable')).toMatchObject({ status: 'disabled', disabledBy: 'manual' });

  // Ten directory events in any order, all at once, while the lifecycle keeps continuing as new.
  const burst = Array.from({ length: 10 }, (_, i) => ({ state: i % 2 ? ('inactive' as const) : ('active' as const), seq: 11 - i, at }));
  // Repeated decisions amid them: each is answered (by whichever run holds it), none changes anything.
  const [, repeats] = await Promise.all([
    Promise.all(burst.map((event) => sendDirectoryEvent(h.client, member, event, h.taskQueue, testEmailHash))),
    Promise.all(Array.from({ length: 3 }, () => decide('disable'))),
  ]);
  expect(repeats.map((r) => [r.changed, r.status])).toEqual(Array.from({ length: 3 }, () => [false, 'disabled']));
  const latest = h.client.workflow.getHandle(first.workflowId);
  const held = await eventually(async () => {
    const state = await latest.query(memberStateQuery);
    return state.directory.seq === 11 ? state : undefined;
  });
  expect(held).toMatchObject({ status: 'disabled', directoryStatus: 'active', override: { kind: 'disabled', by: boss.id, reason: 'disable' } });
  expect(await decide('follow-directory')).toMatchObject({ changed: true, status: 'active', override: null });
  await sendDirectoryEvent(h.client, member, { state: 'deleted', seq: 12, at }, h.taskQueue, testEmailHash);
  await eventually(async () => ((await latest.query(memberStateQuery)).directory.seq === 12 ? true : undefined));

  const firstRun = h.client.workflow.getHandle(first.workflowId, first.signaledRunId);
  expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
  expect(await latest.query(memberStateQuery)).toMatchObject({ status: 'disabled', disabledBy: 'directory', directory: { state: 'deleted', seq: 12 } });
  // Decision numbers go on across runs: a number used twice would drop the second audit event.
  const events = await h.sql`select actor, type from audit_events where member_id = ${bo.id} and type <> 'member.lifecycle_started' order by id`;
  expect(events).toEqual([
    { actor: `member:${boss.id}`, type: 'member.disabled' },
    { actor: `member:${boss.id}`, type: 'member.enabled' },
    { actor: 'directory', type: 'member.disabled' },
  ]);
  const [row] = await h.sql`select status, directory_state as "directoryState", status_override as override from members where id = ${bo.id}`;
  expect(row).toEqual({ status: 'disabled', directoryState: 'deleted', override: null });

  await recordHistory(firstRun, 'member-lifecycle-status-continued-as-new');
  await latest.terminate('test finished');
});
