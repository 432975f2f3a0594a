import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionSignIn } from '../api/temporal.ts';
import { resetIdentityLinks } from '../auth/identity-links.ts';
import { sendDirectoryEvent } from '../temporal/directory-events.ts';
import { decideMemberStatus } from '../temporal/member-status.ts';
import { memberStateQuery, memberWorkflowId, type ProvisionIdentityInput } from '../workflows/definitions.ts';
import { insertMember, insertSsoOrg } from './support/fixtures.ts';
import { testEmailHash } from './support/payload-keys.ts';
import { directProvisioning } from './support/provisioning.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
const extra: TestHarness[] = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  for (const x of extra) await x.stop();
  await h?.stop();
});

const memberIdOf = (outcome: unknown) => (outcome as { memberId: string }).memberId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A member whose first sign-in (sub) created them, whose lifecycle an operator then terminated. */
async function memberWithTerminatedLifecycle(sub: string) {
  const sso = await insertSsoOrg(h.sql);
  const input = sso.signIn(sub);
  const outcome = await provisionSignIn(h, h.sql, h.taskQueue, input);
  expect(outcome).toMatchObject({ outcome: 'created' });
  const memberId = memberIdOf(outcome);
  const lifecycle = h.client.workflow.getHandle(memberWorkflowId(input.orgSlug, memberId));
  await eventually(() => lifecycle.query(memberStateQuery).catch(() => undefined));
  await lifecycle.terminate('operator');
  return { ...sso, input, memberId, lifecycle };
}

/** A task queue no worker polls yet: what is sent meanwhile reaches the run's first workflow task together. */
async function laterWorker() {
  const taskQueue = `review-${randomUUID()}`;
  return { taskQueue, start: async () => extra.push(await startHarness({ taskQueue })) };
}

describe('sign-ins sent to member lifecycles, attacked', { timeout: 90_000 }, () => {
  it("a sign-in of another identity routed to a member's run while that run's first sign-in is provisioned does not get the member's account", async () => {
    // victim's first sign-in made the member (id derived from subject "victim"); their lifecycle was then terminated.
    const { org, signIn, memberId, input: oldIdentity } = await memberWithTerminatedLifecycle('victim');
    // An admin resets the member's links (the IdP subject "victim" was given to someone else);
    // the member signs in with a new IdP account and is linked again by email.
    await resetIdentityLinks(h.sql, { orgId: org.id, memberId, actor: 'operator' });
    const relinked = { ...signIn('victim-new'), email: oldIdentity.email, emailHash: oldIdentity.emailHash };
    expect(await directProvisioning(h.sql).provisionIdentity(relinked)).toMatchObject({ outcome: 'linked', memberId });

    // Now the member signs in (their lifecycle does not run, so the sign-in starts it), and at the
    // same moment the new holder of subject "victim" signs in with their own address.
    const worker = await laterWorker();
    const memberSignIn = provisionSignIn(h, h.sql, worker.taskQueue, relinked);
    await eventually(() => h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId)).describe().then((d) => (d.status.name === 'RUNNING' ? d : undefined)).catch(() => undefined));
    const intruder: ProvisionIdentityInput = { ...signIn('victim'), email: `mallory@${org.slug}.test`, emailHash: testEmailHash(`mallory@${org.slug}.test`), name: 'mallory' };
    const intruderSignIn = provisionSignIn(h, h.sql, worker.taskQueue, intruder);
    await sleep(1_500);
    await worker.start();

    expect(await memberSignIn).toMatchObject({ memberId });
    const intruderOutcome = await intruderSignIn;
    // The api starts a session for intruderOutcome.memberId: it must not be the member's.
    expect(intruderOutcome).not.toMatchObject({ memberId });
    const [linked] = await h.sql`select member_id from identities where connection_id = ${intruder.connectionId} and sub = 'victim'`;
    expect(linked?.member_id).not.toBe(memberId);
  });

  it("(live worker) a sign-in of another identity attaching while the member's own sign-in is provisioned does not get the member's account", async () => {
    const { org, signIn, memberId, input: oldIdentity } = await memberWithTerminatedLifecycle('vic');
    await resetIdentityLinks(h.sql, { orgId: org.id, memberId, actor: 'operator' });
    const relinked = { ...signIn('vic-new'), email: oldIdentity.email, emailHash: oldIdentity.emailHash };
    expect(await directProvisioning(h.sql).provisionIdentity(relinked)).toMatchObject({ outcome: 'linked', memberId });
    const run = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
    // The member's own provisioning is slow (a lock on their row): the intruder's update attaches meanwhile.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const lock = h.sql.begin(async (tx) => {
      await tx`select 1 from members where id = ${memberId} for update`;
      locked();
      let done = false;
      void held.then(() => (done = true));
      // Busy, not idle: the session's idle-in-transaction timeout would end it.
      while (!done) await tx`select pg_sleep(0.2)`;
    });
    await isLocked;
    const memberSignIn = provisionSignIn(h, h.sql, h.taskQueue, relinked);
    await eventually(() => run.describe().then((d) => (d.status.name === 'RUNNING' ? d : undefined)).catch(() => undefined));
    const intruder: ProvisionIdentityInput = { ...signIn('vic'), email: `mal@${org.slug}.test`, emailHash: testEmailHash(`mal@${org.slug}.test`), name: 'mal' };
    const intruderSignIn = provisionSignIn(h, h.sql, h.taskQueue, intruder);
    // Provisioned on its own, the intruder's sign-in makes its own member while the member's is held
    // (had it shared the member's answer, nothing would appear, and the answers below tell).
    await eventually(async () => (await h.sql`select 1 from members where org_id = ${org.id} and email = ${intruder.email}`)[0], 15_000).catch(() => undefined);
    release();
    await lock;
    expect(await memberSignIn).toMatchObject({ memberId });
    expect(await intruderSignIn).not.toMatchObject({ memberId });
  });

  it('a directory event that reaches a run whose sign-in resolves elsewhere is applied, and does not leave the run hanging', async () => {
    const { org, memberId, input } = await memberWithTerminatedLifecycle('zoe');
    await resetIdentityLinks(h.sql, { orgId: org.id, memberId, actor: 'operator' });
    // Subject "zoe" signs in again with an address off the org's domains: refused, so the run named for the member is not theirs.
    const worker = await laterWorker();
    const refused = provisionSignIn(h, h.sql, worker.taskQueue, { ...input, email: 'zoe@elsewhere.example', emailHash: testEmailHash('zoe@elsewhere.example') });
    const run = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
    await eventually(() => run.describe().then((d) => (d.status.name === 'RUNNING' ? d : undefined)).catch(() => undefined));
    // Meanwhile the directory deprovisions the member (signal-with-start: the run exists, so it takes the signal).
    await sendDirectoryEvent(h.client, { orgId: org.id, orgSlug: org.slug, memberId, email: input.email }, { state: 'inactive', seq: 1, at: new Date().toISOString() }, worker.taskQueue, testEmailHash);
    await sleep(1_000);
    await worker.start();
    expect(await refused).toMatchObject({ outcome: 'refused' });

    // The directory's word is applied: the member ends disabled.
    const status = await eventually(async () => {
      const [row] = await h.sql`select status from members where id = ${memberId}`;
      return row?.status === 'disabled' ? row.status : undefined;
    }, 15_000).catch(async () => `still ${(await h.sql`select status from members where id = ${memberId}`)[0]?.status}; run ${(await run.describe()).status.name}`);
    expect(status).toBe('disabled');
  });

  it("a sign-in whose identity was linked to another member after the api's lookup moves that member's MemberEmailHash with the email it changed", async () => {
    const sso = await insertSsoOrg(h.sql);
    const { org, signIn } = sso;
    // Member M was made by subject "kim"; W by subject "walt"; both lifecycles run.
    const kim = signIn('kim');
    const m = memberIdOf(await provisionSignIn(h, h.sql, h.taskQueue, kim));
    const w = memberIdOf(await provisionSignIn(h, h.sql, h.taskQueue, signIn('walt')));
    const wLifecycle = h.client.workflow.getHandle(memberWorkflowId(org.slug, w));
    await eventually(() => wLifecycle.query(memberStateQuery).catch(() => undefined));
    // "kim" signs in with a new address; the api looked up M, and the sign-in waits for a worker...
    const worker = await laterWorker();
    await h.client.workflow.getHandle(memberWorkflowId(org.slug, m)).terminate('moved to a worker that starts later');
    const newEmail = `kim.new@${org.slug}.test`;
    const signingIn = provisionSignIn(h, h.sql, worker.taskQueue, { ...kim, email: newEmail, emailHash: testEmailHash(newEmail) });
    await sleep(1_000);
    // ...while an admin resets both members' links and "kim" turns out to be W's subject (linked to W by email).
    await resetIdentityLinks(h.sql, { orgId: org.id, memberId: m, actor: 'operator' });
    await resetIdentityLinks(h.sql, { orgId: org.id, memberId: w, actor: 'operator' });
    expect(await directProvisioning(h.sql).provisionIdentity({ ...kim, email: `walt@${org.slug}.test` })).toMatchObject({ outcome: 'linked', memberId: w });
    await worker.start();
    expect(await signingIn).toMatchObject({ outcome: 'signed_in', memberId: w });
    const [row] = await h.sql`select email from members where id = ${w}`;
    expect(row?.email).toBe(newEmail);
    // W's running lifecycle follows W's new email.
    const state = await eventually(async () => {
      const s = await wLifecycle.query(memberStateQuery);
      return s.emailHash === testEmailHash(newEmail) ? s : undefined;
    }, 5_000).catch(() => undefined);
    expect(state?.emailHash).toBe(testEmailHash(newEmail));
  });

  it("an operator's find-member query (MemberEmailHash) finds only the member's lifecycle after a first sign-in that linked them", async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const existing = await insertMember(h.sql, org.id, `lena@${org.slug}.test`);
    const input = signIn('lena');
    expect(await provisionSignIn(h, h.sql, h.taskQueue, input)).toMatchObject({ outcome: 'linked', memberId: existing.id });
    const own = memberWorkflowId(org.slug, existing.id);
    const found = async () => {
      const ids: string[] = [];
      for await (const run of h.client.workflow.list({ query: `MemberEmailHash = "${input.emailHash}"` })) ids.push(`${run.workflowId} ${run.status.name}`);
      return ids.some((id) => id.startsWith(own)) && ids.length > 1 ? ids : undefined;
    };
    const ids = await eventually(found, 5_000).catch(() => undefined);
    // The closed run named for the member the identity would have made shows as a second "member" with the same email.
    expect(ids).toBeUndefined();
    await h.client.workflow.getHandle(own).terminate('test finished');
  });

  it("a sign-in that restarts a member's lifecycle keeps MemberEmailHash on the member's email when the IdP's new email is refused", async () => {
    const { input, lifecycle } = await memberWithTerminatedLifecycle('ivy');
    // The IdP now asserts an address off the org's verified domains: the sign-in succeeds, the member keeps their email.
    const offDomain = { ...input, email: 'ivy@elsewhere.example', emailHash: testEmailHash('ivy@elsewhere.example') };
    expect(await provisionSignIn(h, h.sql, h.taskQueue, offDomain)).toMatchObject({ outcome: 'signed_in' });
    const [member] = await h.sql`select email from members where id = ${(await lifecycle.query(memberStateQuery)).memberId}`;
    expect(member?.email).toBe(input.email);
    const state = await lifecycle.query(memberStateQuery);
    expect(state.emailHash).toBe(testEmailHash(input.email));
    const described = await lifecycle.describe();
    expect(described.searchAttributes?.MemberEmailHash).toEqual([testEmailHash(input.email)]);
    await lifecycle.terminate('test finished');
  });

  it('(holds) a sign-in-started run keeps its other duties: waiting attributes, admin disable/enable right after the first sign-in', async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const boss = await insertMember(h.sql, org.id, `boss@${org.slug}.test`, { orgRole: 'org_admin' });
    const input = signIn('nell');
    const outcome = await provisionSignIn(h, h.sql, h.taskQueue, input);
    const memberId = memberIdOf(outcome);
    const member = { orgId: org.id, orgSlug: org.slug, memberId, emailHash: input.emailHash, source: 'jit' as const };
    // Sent at once, while the run may still be seeding.
    expect(await decideMemberStatus(h.client, h.taskQueue, member, 'disable', { by: boss.id, reason: 'r' })).toMatchObject({ status: 'disabled', changed: true });
    const lifecycle = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
    expect(await lifecycle.query(memberStateQuery)).toMatchObject({ status: 'disabled', siteAccessPending: false });
    expect((await lifecycle.describe()).searchAttributes).toMatchObject({ MemberStatus: ['disabled'], SiteAccessPending: [false] });
    expect(await decideMemberStatus(h.client, h.taskQueue, member, 'enable', { by: boss.id, reason: 'r' })).toMatchObject({ status: 'active' });
    const described = await lifecycle.describe();
    expect(described.searchAttributes).toMatchObject({ MemberStatus: ['active'], SiteAccessPending: [true], OrgSlug: [org.slug], MemberEmailHash: [input.emailHash] });
    expect(described.searchAttributes?.SiteAccessPendingSince).toHaveLength(1);
    expect(await h.sql`select status from members where id = ${memberId}`).toEqual([{ status: 'active' }]);
    await lifecycle.terminate('test finished');
  });
});
