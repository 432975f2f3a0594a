import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-server.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { followingTheDirectory } from './support/directory.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

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
    args: [{ ...ref, email: member.email, source: 'operator' }],
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
    email: member.email,
    status: 'active',
    siteAccessPending: true,
    siteAccessPendingSince: createdAt.toISOString(),
    siteAccessChangedAt: expect.any(String),
    ...followingTheDirectory,
  });
  expect(await h.sql`select type from audit_events where member_id = ${member.id}`).toEqual([{ type: 'member.lifecycle_started' }]);

  await recordHistory(firstRun, 'member-lifecycle-continued-as-new');
  await latest.terminate('test finished');
});
