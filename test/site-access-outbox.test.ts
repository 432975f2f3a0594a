import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TemporalPorts } from '../activities/ports.ts';
import { directProvisioning } from './support/provisioning.ts';
import { siteAccessActivities } from '../activities/site-access.ts';
import { clearAnnounced } from '../db/site-access-outbox.ts';
import { assignSite, reconcileSiteAccess, unassignSite } from '../db/site-assignments.ts';
import { queueGroupMembers } from '../db/site-rules.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { activityPorts } from '../temporal/activity-ports.ts';
import { lifecycleStart, memberStateQuery, memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { applySiteRulesWorkflow, memberLifecycleWorkflow } from '../workflows/index.ts';
import { insertMember, insertOrg, insertSsoOrg } from './support/fixtures.ts';
import { testDataConverter, testEmailHash } from './support/payload-keys.ts';
import { eventually, reminderSettings, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
/** A second worker whose site-rules activity tells Temporal through a closed connection: every call fails, as in an outage. */
let cut: TestHarness;
const policy = reminderSettings().policy;

beforeAll(async () => {
  h = await startHarness();
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  await connection.close();
  const unreachable = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
  cut = await startHarness({ wrapActivities: (activities) => ({ ...activities, ...siteAccessActivities(h.sql, policy, activityPorts(unreachable, h.taskQueue, testEmailHash)) }) });
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await Promise.all([cut?.stop(), h?.stop()]);
});

/**
 * A waiting member with a running lifecycle, in a directory group whose rule for site Berlin is
 * committed with the member queued (as createSiteRule leaves it before a run works them out).
 */
async function waitingMemberWithQueuedRule(org: { id: string; slug: string } | undefined = undefined) {
  org ??= await insertOrg(h.sql);
  const member = await insertMember(h.sql, org.id, `ada@${org.slug}.test`);
  const ref = { orgId: org.id, orgSlug: org.slug, memberId: member.id };
  const [site]: [{ id: string }] = await h.sql`insert into sites (org_id, name) values (${org.id}, 'Berlin') returning id`;
  const [group]: [{ id: string }] = await h.sql`insert into directory_groups (org_id, display_name) values (${org.id}, 'Staff') returning id`;
  await h.sql`insert into directory_group_members (org_id, group_id, member_id) values (${org.id}, ${group.id}, ${member.id})`;
  const lifecycle = await h.client.workflow.start(memberLifecycleWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: memberWorkflowId(org.slug, member.id),
    ...lifecycleStart({ ...ref, emailHash: testEmailHash(member.email), source: 'operator', waitingSince: null }),
  });
  await eventually(async () => ((await lifecycle.query(memberStateQuery)).siteAccessChangedAt ? true : undefined));
  expect((await lifecycle.query(memberStateQuery)).siteAccessPending).toBe(true);
  const queueRule = () =>
    h.sql.begin(async (tx) => {
      await tx`insert into site_rules (org_id, group_id, site_id, site_role, created_by) values (${org.id}, ${group.id}, ${site.id}, 'site_member', 'operator')`;
      await queueGroupMembers(tx, org.id, group.id);
    });
  return { org, member, ref, site, group, lifecycle, queueRule };
}

const owed = (memberId: string) =>
  h.sql<{ queuedAt: string }[]>`select queued_at::text as "queuedAt" from site_access_announcements where member_id = ${memberId}`;
const sitesOf = async (memberId: string) =>
  (await h.sql<{ name: string }[]>`select s.name from site_assignments a join sites s on s.id = a.site_id where a.member_id = ${memberId}`).map((s) => s.name);
/** The minute a change's own path has to tell Temporal passes. */
const ageOwed = (memberId: string) => h.sql`update site_access_announcements set queued_at = queued_at - interval '2 minutes' where member_id = ${memberId}`;
/** A run of the site-rules workflow, as the maintenance schedule starts it (over this test's organisation only). */
const siteRulesRun = (orgId: string, on = h) =>
  on.client.workflow.execute(applySiteRulesWorkflow, { workflowId: `site-rules-test-${crypto.randomUUID()}`, taskQueue: on.taskQueue, args: [{ orgId }] });
/** SiteAccessPending as the lifecycle answers it and as it set its search attribute. */
const pendingIn = async (lifecycle: Awaited<ReturnType<typeof waitingMemberWithQueuedRule>>['lifecycle']) => ({
  query: (await lifecycle.query(memberStateQuery)).siteAccessPending,
  attribute: (await lifecycle.describe()).typedSearchAttributes.get(searchAttributes.siteAccessPending),
});
const untilPending = (lifecycle: Parameters<typeof pendingIn>[0], pending: boolean) =>
  eventually(async () => {
    const now = await pendingIn(lifecycle);
    return now.query === pending && now.attribute === pending ? now : undefined;
  });

describe('site-access announcements owed to Temporal (transactional outbox)', () => {
  it('a flip writes its announcement in its own transaction, and telling Temporal takes it off', async () => {
    const { org, member, lifecycle, queueRule } = await waitingMemberWithQueuedRule();
    await queueRule();

    // Rolled back with the flip: the row is the transaction's, not a write after it.
    const inside = await h.sql
      .begin(async (tx) => {
        const [flip] = await reconcileSiteAccess(tx, org.id, [member.id], 'system:site-rules');
        const [row]: [{ queuedAt: string }?] = await tx`select queued_at::text as "queuedAt" from site_access_announcements where member_id = ${member.id}`;
        throw Object.assign(new Error('rolled back on purpose'), { seen: { flip, row } });
      })
      .catch((err: { seen: unknown }) => err.seen);
    expect(inside).toEqual({
      flip: { orgId: org.id, memberId: member.id, hadSites: false, hasSites: true, queuedAt: expect.any(String) },
      row: { queuedAt: (inside as { flip: { queuedAt: string } }).flip.queuedAt },
    });
    expect(await owed(member.id)).toEqual([]);
    expect(await sitesOf(member.id)).toEqual([]);

    expect(await siteRulesRun(org.id)).toEqual({ members: 1, flipped: 1, announcedLate: 0 });
    expect(await sitesOf(member.id)).toEqual(['Berlin']);
    expect(await owed(member.id)).toEqual([]);
    await untilPending(lifecycle, false);
  });

  it('an announcement Temporal did not take stays owed, and the next run tells it: the lifecycle stops showing the member as waiting', async () => {
    const { org, member, lifecycle, queueRule } = await waitingMemberWithQueuedRule();
    await queueRule();

    // The run's batch commits; every call to Temporal then fails.
    expect(await siteRulesRun(org.id, cut)).toMatchObject({ members: 1, flipped: 1 });
    expect(await sitesOf(member.id)).toEqual(['Berlin']);
    expect(await owed(member.id)).toHaveLength(1);
    expect(await pendingIn(lifecycle)).toEqual({ query: true, attribute: true });

    // Within the grace minute a run leaves it to the path that queued it.
    expect(await siteRulesRun(org.id)).toEqual({ members: 0, flipped: 0, announcedLate: 0 });
    expect(await owed(member.id)).toHaveLength(1);

    await ageOwed(member.id);
    expect(await siteRulesRun(org.id)).toEqual({ members: 0, flipped: 0, announcedLate: 1 });
    expect(await owed(member.id)).toEqual([]);
    await untilPending(lifecycle, false);
  });

  it('a change queued while an older announcement is being told keeps its row, and the run after tells the newer truth', async () => {
    const { org, member, site, lifecycle, queueRule } = await waitingMemberWithQueuedRule();
    await queueRule();

    // The real ports; while the grant is being told, an admin takes the site away (a newer flip
    // that queues its own announcement) and that request's process stops before telling it.
    const live = activityPorts(h.client, h.taskQueue, testEmailHash);
    let newer: string | undefined;
    const ports: Pick<TemporalPorts, 'announceSiteAccess'> = {
      async announceSiteAccess(who, change) {
        if (!newer) {
          const removed = await unassignSite(h.sql, { orgId: org.id, memberId: member.id, actor: 'operator' }, site.id);
          newer = removed.flip?.queuedAt;
        }
        return live.announceSiteAccess(who, change);
      },
    };
    const applied = await siteAccessActivities(h.sql, policy, ports).applyQueuedSiteAccess({ orgId: org.id });
    expect(applied).toMatchObject({ members: 1, flipped: 1 });
    expect(newer).toEqual(expect.any(String));
    expect(await sitesOf(member.id)).toEqual([]);
    // The grant was told and its row taken off only as it was: the removal's row stands.
    expect(await owed(member.id)).toEqual([{ queuedAt: newer }]);
    await untilPending(lifecycle, false);

    await ageOwed(member.id);
    expect(await siteRulesRun(org.id)).toEqual({ members: 0, flipped: 0, announcedLate: 1 });
    expect(await owed(member.id)).toEqual([]);
    await untilPending(lifecycle, true);
  });

  it('an operator\'s admin grant to a member waiting for a site owes their lifecycle the news, and the run tells it', async () => {
    const { org, member, lifecycle } = await waitingMemberWithQueuedRule();
    expect(await makeOrgAdmin(h.sql, { org: org.slug, email: member.email })).toMatchObject({ outcome: 'promoted' });
    expect(await owed(member.id)).toHaveLength(1);

    await ageOwed(member.id);
    expect(await siteRulesRun(org.id)).toEqual({ members: 0, flipped: 0, announcedLate: 1 });
    expect(await owed(member.id)).toEqual([]);
    await untilPending(lifecycle, false);

    // Granted again: they wait for nothing, so nothing is owed.
    await makeOrgAdmin(h.sql, { org: org.slug, email: member.email });
    expect(await owed(member.id)).toEqual([]);
  });

  it('an admin invitation accepted by a member waiting for a site owes their running lifecycle the news, and the run tells it', async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const { member, lifecycle } = await waitingMemberWithQueuedRule(org);
    await h.sql`insert into invitations (org_id, email, org_role, expires_at) values (${org.id}, ${member.email}, 'org_admin', now() + interval '1 day')`;
    expect(await directProvisioning(h.sql).provisionIdentity(signIn('ada'))).toMatchObject({ outcome: 'linked', orgRole: 'org_admin', lifecycleStarted: true });
    expect(await owed(member.id)).toHaveLength(1);

    await ageOwed(member.id);
    expect(await siteRulesRun(org.id)).toEqual({ members: 0, flipped: 0, announcedLate: 1 });
    await untilPending(lifecycle, false);
  });

  it('an operator\'s admin grant racing the removal of the member\'s last site owes its own announcement', async () => {
    const { org, member, site } = await waitingMemberWithQueuedRule();
    const target = { orgId: org.id, memberId: member.id, actor: 'operator' };
    await assignSite(h.sql, target, { siteId: site.id, role: 'site_member' });
    await h.sql`delete from site_access_announcements where member_id = ${member.id}`;

    // The removal and the grant queue on the member's row, the removal first; the grant's statement
    // began while the member still had the site.
    let removal!: ReturnType<typeof unassignSite>;
    let grant!: ReturnType<typeof makeOrgAdmin>;
    await h.sql.begin(async (tx) => {
      await tx`select 1 from members where id = ${member.id} for update`;
      removal = unassignSite(h.sql, target, site.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      grant = makeOrgAdmin(h.sql, { org: org.slug, email: member.email });
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    const removed = await removal;
    expect(await grant).toMatchObject({ outcome: 'promoted' });
    expect(removed.flip).toMatchObject({ hadSites: true, hasSites: false });

    // The removal's path told what it read between the two commits (a wait) and took its row off:
    // the grant, which ended that wait, must have queued its own.
    await clearAnnounced(h.sql, [removed.flip!]);
    expect(await owed(member.id)).toHaveLength(1);
  });
});
