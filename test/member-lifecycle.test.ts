import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberStateQuery, memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

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
  const ref = { orgId: org.id, orgSlug: org.slug, memberId: member.id };
  const handle = await h.client.workflow.start(memberLifecycleWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: memberWorkflowId(org.slug, member.id),
    args: [{ ...ref, email: member.email, source: 'operator' }],
  });
  return { org, member, ref, handle };
}

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

  it('answers the state query with the member and pending site access', async () => {
    const { ref, member, handle } = await startLifecycle();
    const state = await handle.query(memberStateQuery);
    expect(state).toEqual({ ...ref, email: member.email, status: 'active', siteAccessPending: true });
    await handle.terminate('test finished');
  });

  it('is findable by operators through its search attributes', async () => {
    const { org, handle } = await startLifecycle();
    const query = `OrgSlug = '${org.slug}' AND SiteAccessPending = true AND MemberStatus = 'active'`;
    const found = await eventually(async () => {
      for await (const wf of h.client.workflow.list({ query })) return wf;
      return undefined;
    });
    expect(found.workflowId).toBe(handle.workflowId);
    expect(found.typedSearchAttributes.get(searchAttributes.memberEmail)).toBe(`ada@${org.slug}.test`);
    await handle.terminate('test finished');
  });

  it('uses a readable workflow ID carrying the organisation', async () => {
    const { org, member, handle } = await startLifecycle();
    expect(handle.workflowId).toBe(`member/${org.slug}/${member.id}`);
    await handle.terminate('test finished');
  });
});
