import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionSignIn } from '../api/temporal.ts';
import { resetIdentityLinks } from '../auth/identity-links.ts';
import { memberStateQuery, memberWorkflowId, type ProvisionIdentityInput } from '../workflows/definitions.ts';
import { insertMember, insertSsoOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { directProvisioning, firstSignInLifecycleId } from './support/provisioning.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

/** Subjects whose first provisioning attempt commits and then fails, as a worker lost right after the commit would. */
const crashAfterCommit = new Set<string>();

let h: TestHarness;
beforeAll(async () => {
  h = await startHarness({
    wrapActivities: (activities) => ({
      ...activities,
      async provisionIdentity(input, lifecycle) {
        const result = await activities.provisionIdentity(input, lifecycle);
        if (crashAfterCommit.delete(input.sub)) throw new Error('worker lost after the commit');
        return result;
      },
    }),
  });
});
afterAll(async () => {
  await h?.stop();
});

/** The run a first sign-in of this identity starts, named for the member it would create. */
const firstSignInRun = (input: ProvisionIdentityInput) => h.client.workflow.getHandle(firstSignInLifecycleId(input.orgSlug, input.connectionId, input.iss, input.sub));

const untilStamped = (memberId: string) =>
  eventually(async () => (await h.sql`select 1 from members where id = ${memberId} and lifecycle_started_at is not null`)[0]);

async function expectLifecycle(input: ProvisionIdentityInput, memberId: string) {
  const lifecycle = h.client.workflow.getHandle(memberWorkflowId(input.orgSlug, memberId));
  expect(await eventually(() => lifecycle.query(memberStateQuery).catch(() => undefined))).toMatchObject({ memberId, status: 'active' });
  expect(await untilStamped(memberId)).toBeDefined();
  return lifecycle;
}

const memberIdOf = (outcome: unknown) => (outcome as { memberId: string }).memberId;

describe('every signed-in member has a running lifecycle, and a first sign-in is one workflow', () => {
  it('a first sign-in creates the member in the lifecycle it started, named for them, in one workflow task', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = signIn('nora');
    const outcome = await provisionSignIn(h, h.sql, h.taskQueue, input);
    expect(outcome).toMatchObject({ outcome: 'created', lifecycleStarted: true });
    const lifecycle = await expectLifecycle(input, memberIdOf(outcome));
    expect(lifecycle.workflowId).toBe(firstSignInRun(input).workflowId);
    const events = (await lifecycle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(0);
    await recordHistory(lifecycle, 'member-lifecycle-first-sign-in');
    await lifecycle.terminate('test finished');
  });

  it('a first sign-in whose attempt fails after its commit still stamps the member for its lifecycle', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = signIn('ada');
    crashAfterCommit.add('ada');
    const outcome = await provisionSignIn(h, h.sql, h.taskQueue, input);
    // The retry finds the identity its failed attempt wrote, and stamps the member then.
    expect(outcome).toMatchObject({ outcome: 'signed_in', lifecycleStarted: true });
    const lifecycle = await expectLifecycle(input, memberIdOf(outcome));
    await recordHistory(lifecycle, 'member-lifecycle-first-sign-in-retried');
    await lifecycle.terminate('test finished');
  });

  it('a member left without a lifecycle gets one at the next sign-in, which starts it', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = signIn('grace');
    // The account as a lifecycle an operator terminated for good leaves it: committed, no lifecycle, no stamp.
    const stuck = await directProvisioning(h.sql).provisionIdentity(input);
    const outcome = await provisionSignIn(h, h.sql, h.taskQueue, input);
    expect(outcome).toMatchObject({ outcome: 'signed_in', memberId: memberIdOf(stuck), lifecycleStarted: true });
    const lifecycle = await expectLifecycle(input, memberIdOf(stuck));
    await recordHistory(lifecycle, 'member-lifecycle-started-by-sign-in');
    await lifecycle.terminate('test finished');
  });

  it('a repeat sign-in is an update on the running lifecycle: no new run, no child', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = signIn('linus');
    const first = await provisionSignIn(h, h.sql, h.taskQueue, input);
    expect(first).toMatchObject({ outcome: 'created' });
    const memberId = memberIdOf(first);
    const lifecycle = await expectLifecycle(input, memberId);
    const { runId } = await lifecycle.describe();

    const again = await provisionSignIn(h, h.sql, h.taskQueue, input);
    expect(again).toMatchObject({ outcome: 'signed_in', memberId, lifecycleStarted: true });
    expect((await lifecycle.describe()).runId).toBe(runId);
    const events = (await lifecycle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes)).toHaveLength(2);
    expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(0);
    await recordHistory(lifecycle, 'member-lifecycle-signed-in-again');
    await lifecycle.terminate('test finished');
  });

  it('a refused first sign-in answers with the reason, and its run ends without making anyone a member', async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const input = { ...signIn('mallory'), email: 'mallory@elsewhere.example' };
    expect(await provisionSignIn(h, h.sql, h.taskQueue, input)).toEqual({ outcome: 'refused', reason: 'email_domain_not_verified' });
    await firstSignInRun(input).result();
    expect(await h.sql`select 1 from members where org_id = ${org.id}`).toHaveLength(0);
    expect((await firstSignInRun(input).fetchHistory()).events?.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(0);
    await recordHistory(firstSignInRun(input), 'member-lifecycle-first-sign-in-refused');
    // Refused again later (a new run under the same ID), still nobody.
    expect(await provisionSignIn(h, h.sql, h.taskQueue, input)).toEqual({ outcome: 'refused', reason: 'email_domain_not_verified' });
    expect(await h.sql`select 1 from members where org_id = ${org.id}`).toHaveLength(0);
  });

  it("a first sign-in that links to an existing member starts that member's lifecycle and ends its own run", async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const existing = await insertMember(h.sql, org.id, `olga@${org.slug}.test`);
    const input = signIn('olga');
    const outcome = await provisionSignIn(h, h.sql, h.taskQueue, input);
    expect(outcome).toMatchObject({ outcome: 'linked', memberId: existing.id });
    await firstSignInRun(input).result();
    const lifecycle = await expectLifecycle(input, existing.id);
    await recordHistory(firstSignInRun(input), 'member-lifecycle-first-sign-in-linked');
    // The next sign-in goes straight to the member's own lifecycle.
    const { runId } = await lifecycle.describe();
    expect(await provisionSignIn(h, h.sql, h.taskQueue, input)).toMatchObject({ outcome: 'signed_in', memberId: existing.id });
    expect((await lifecycle.describe()).runId).toBe(runId);
    await lifecycle.terminate('test finished');
  });

  it("a sign-in that makes a new member inside another member's running lifecycle starts the new member's own", async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const input = signIn('pia');
    const first = await provisionSignIn(h, h.sql, h.taskQueue, input);
    const pia = memberIdOf(first);
    const piaLifecycle = await expectLifecycle(input, pia);
    // An admin resets pia's identity links, and the IdP account now asserts another address: the
    // same subject is unknown again, so its sign-in goes to the lifecycle named for it, pia's.
    await resetIdentityLinks(h.sql, { orgId: org.id, memberId: pia, actor: 'operator' });
    const renamed = { ...input, email: `pia.other@${org.slug}.test` };
    const outcome = await provisionSignIn(h, h.sql, h.taskQueue, renamed);
    expect(outcome).toMatchObject({ outcome: 'created' });
    const other = memberIdOf(outcome);
    expect(other).not.toBe(pia);
    await (await expectLifecycle(input, other)).terminate('test finished');
    expect((await piaLifecycle.describe()).status.name).toBe('RUNNING');
    await piaLifecycle.terminate('test finished');
  });
});
