import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleStart, memberStateQuery, memberWorkflowId, searchAttributes, siteAccessChangedSignal } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { followingTheDirectory } from './support/directory.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

let h: TestHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function startLifecycle() {
  const org = await insertOrg(h.sql);
  const member = await insertMember(h.sql, org.id, `ada@${org.slug}.test`);
  const [{ createdAt }]: [{ createdAt: Date }] = await h.sql`select created_at as "createdAt" from members where id = ${member.id}`;
  const ref = { orgId: org.id, orgSlug: org.slug, memberId: member.id };
  const handle = await h.client.workflow.start(memberLifecycleWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: memberWorkflowId(org.slug, member.id),
    ...lifecycleStart({ ...ref, emailHash: testEmailHash(member.email), source: 'operator', waitingSince: null }),
  });
  return { org, member, ref, handle, waitingSince: createdAt.toISOString() };
}

// Visibility (the dev server's SQLite) trails the workflow; slower still on a busy machine.
const findOne = (query: string) =>
  eventually(async () => {
    for await (const wf of h.client.workflow.list({ query })) return wf;
    return undefined;
  }, 30_000);

describe('member lifecycle workflow', () => {
  it('records one audit event in PostgreSQL through a real activity', async () => {
    const { member, handle } = await startLifecycle();
    const rows = await eventually(async () => {
      const found = await h.sql`select type, actor, data from audit_events where member_id = ${member.id}`;
      return found.length ? found : undefined;
    });
    expect(rows).toEqual([{ type: 'member.lifecycle_started', actor: 'system', data: { source: 'operator' } }]);
    await recordHistory(handle, 'member-lifecycle-started');
    await handle.terminate('test finished');
  });

  it('answers the state query with the member and pending site access since the member was created', async () => {
    const { ref, member, handle, waitingSince } = await startLifecycle();
    const state = await eventually(async () => {
      const answer = await handle.query(memberStateQuery);
      return answer.siteAccessPendingSince ? answer : undefined;
    });
    expect(state).toEqual({
      ...ref,
      emailHash: testEmailHash(member.email),
      status: 'active',
      siteAccessPending: true,
      siteAccessPendingSince: waitingSince,
      siteAccessChangedAt: expect.any(String),
      // The email as stored when the lifecycle started (its seed) is the latest it has applied.
      emailChangedAt: expect.any(String),
      ...followingTheDirectory,
    });
    await handle.terminate('test finished');
  });

  it('follows site-access changes in its search attributes, ignoring a change that arrives after a newer one', async () => {
    const { org, member, handle, waitingSince } = await startLifecycle();
    expect((await findOne(`OrgSlug = '${org.slug}' AND SiteAccessPending = true`)).workflowId).toBe(handle.workflowId);
    // Equality on a datetime in SQL visibility compares text, and the server trims trailing zeros of
    // the milliseconds: the workflow's own attributes (describe) are compared instead.
    const since = await eventually(async () => (await handle.describe()).typedSearchAttributes.get(searchAttributes.siteAccessPendingSince));
    expect(since.toISOString()).toBe(waitingSince);

    const granted = new Date(Date.now() + 1_000).toISOString();
    await handle.signal(siteAccessChangedSignal, { pendingSince: null, changedAt: granted });
    await handle.signal(siteAccessChangedSignal, { pendingSince: waitingSince, changedAt: new Date(Date.parse(granted) - 500).toISOString() });
    // The workflow's own attributes (describe), not visibility, which trails it on a busy machine.
    const attributes = async () => (await handle.describe()).typedSearchAttributes;
    const cleared = await eventually(async () => ((await attributes()).get(searchAttributes.siteAccessPending) === false ? attributes() : undefined));
    // Cleared: the server may show a removed datetime as the epoch, or not at all.
    expect(cleared.get(searchAttributes.siteAccessPendingSince)?.getTime() ?? 0).toBe(0);
    expect(await handle.query(memberStateQuery)).toMatchObject({ memberId: member.id, siteAccessPending: false, siteAccessChangedAt: granted });

    const removed = new Date(Date.parse(granted) + 60_000).toISOString();
    await handle.signal(siteAccessChangedSignal, { pendingSince: removed, changedAt: removed });
    const waitingAgain = await eventually(async () => {
      const since = (await attributes()).get(searchAttributes.siteAccessPendingSince);
      return since?.toISOString() === removed ? since : undefined;
    });
    expect((await attributes()).get(searchAttributes.siteAccessPending)).toBe(true);
    expect(waitingAgain.toISOString()).toBe(removed);
    await recordHistory(handle, 'member-lifecycle-site-access-changed');
    await handle.terminate('test finished');
  });

  it('is findable by operators through its search attributes', async () => {
    const { org, handle } = await startLifecycle();
    const found = await findOne(`OrgSlug = '${org.slug}' AND SiteAccessPending = true AND MemberStatus = 'active'`);
    expect(found.workflowId).toBe(handle.workflowId);
    expect(found.typedSearchAttributes.get(searchAttributes.memberEmailHash)).toBe(testEmailHash(`ada@${org.slug}.test`));
    await handle.terminate('test finished');
  });

  it('uses a readable workflow ID carrying the organisation', async () => {
    const { org, member, handle } = await startLifecycle();
    expect(handle.workflowId).toBe(`member/${org.slug}/${member.id}`);
    await handle.terminate('test finished');
  });
});
