import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningActivities } from '../activities/provisioning.ts';
import { provisionSignIn } from '../api/temporal.ts';
import { identityKey } from '../auth/tokens.ts';
import { memberStateQuery, memberWorkflowId, signInWorkflowId, type ProvisionIdentityInput } from '../workflows/definitions.ts';
import { insertSsoOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

/** Subjects whose first provisioning attempt commits and then fails, as a worker lost right after the commit would. */
const crashAfterCommit = new Set<string>();

let h: TestHarness;
beforeAll(async () => {
  h = await startHarness({
    wrapActivities: (activities) => ({
      ...activities,
      async provisionIdentity(input) {
        const result = await activities.provisionIdentity(input);
        if (crashAfterCommit.delete(input.sub)) throw new Error('worker lost after the commit');
        return result;
      },
    }),
  });
});
afterAll(async () => {
  await h?.stop();
});

const signInHandle = (input: ProvisionIdentityInput) =>
  h.client.workflow.getHandle(signInWorkflowId(input.orgSlug, identityKey(input.connectionId, input.iss, input.sub)));

const untilStamped = (memberId: string) =>
  eventually(async () => (await h.sql`select 1 from members where id = ${memberId} and lifecycle_started_at is not null`)[0]);

async function expectLifecycle(input: ProvisionIdentityInput, memberId: string) {
  const lifecycle = h.client.workflow.getHandle(memberWorkflowId(input.orgSlug, memberId));
  expect(await eventually(() => lifecycle.query(memberStateQuery).catch(() => undefined))).toMatchObject({ memberId, status: 'active' });
  expect(await untilStamped(memberId)).toBeDefined();
  await lifecycle.terminate('test finished');
}

const childStarts = async (input: ProvisionIdentityInput) =>
  (await signInHandle(input).fetchHistory()).events?.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length;

describe('every signed-in member has a running lifecycle', () => {
  it('a first sign-in whose attempt fails after its commit still starts the lifecycle', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = signIn('ada');
    crashAfterCommit.add('ada');
    const outcome = await provisionSignIn(h, h.taskQueue, input);
    // The retry finds the identity its failed attempt wrote.
    expect(outcome).toMatchObject({ outcome: 'signed_in', lifecycleStarted: false });
    await expectLifecycle(input, (outcome as { memberId: string }).memberId);
    await recordHistory(signInHandle(input), 'provision-identity-healed');
  });

  it('a member left without a lifecycle by an earlier failure gets one at the next sign-in', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = signIn('grace');
    // The account as a failed first sign-in left it: committed, no lifecycle, no stamp.
    const stuck = await provisioningActivities(h.sql).provisionIdentity(input);
    const outcome = await provisionSignIn(h, h.taskQueue, input);
    expect(outcome).toMatchObject({ outcome: 'signed_in', memberId: (stuck as { memberId: string }).memberId });
    await expectLifecycle(input, (stuck as { memberId: string }).memberId);
  });

  it('a repeat sign-in of a member whose lifecycle runs starts nothing more', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = signIn('linus');
    const first = await provisionSignIn(h, h.taskQueue, input);
    expect(first).toMatchObject({ outcome: 'created' });
    const memberId = (first as { memberId: string }).memberId;
    await untilStamped(memberId);
    await signInHandle(input).result();

    const again = await provisionSignIn(h, h.taskQueue, input);
    expect(again).toMatchObject({ outcome: 'signed_in', memberId, lifecycleStarted: true });
    expect(await signInHandle(input).result()).toMatchObject({ outcome: 'signed_in' });
    expect(await childStarts(input)).toBe(0);
    await recordHistory(signInHandle(input), 'provision-identity-signed-in');
    await h.client.workflow.getHandle(memberWorkflowId(input.orgSlug, memberId)).terminate('test finished');
  });

  it('a refused sign-in answers with the reason and starts no lifecycle', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const input = { ...signIn('mallory'), email: 'mallory@elsewhere.example' };
    expect(await provisionSignIn(h, h.taskQueue, input)).toEqual({ outcome: 'refused', reason: 'email_domain_not_verified' });
    expect(await signInHandle(input).result()).toEqual({ outcome: 'refused', reason: 'email_domain_not_verified' });
    expect(await childStarts(input)).toBe(0);
    await recordHistory(signInHandle(input), 'provision-identity-refused');
  });
});
