import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, resolveSession } from '../auth/sessions.ts';
import { loadConfig } from '../config/index.ts';
import { LastOrgAdminError } from '../domain/member-errors.ts';
import type { MemberSource, OrgRole } from '../domain/member.ts';
import { decideMemberStatus, type StatusDecisionName } from '../temporal/member-status.ts';
import {
  disableMemberUpdate,
  lifecycleStart,
  memberStateQuery,
  memberWorkflowId,
  searchAttributes,
  siteAccessRemindersWorkflowId,
  type DirectoryEvent,
} from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { sendDirectoryEvent } from '../temporal/directory-events.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash, withEmailHash } from './support/payload-keys.ts';

const config = loadConfig({ APP_ENV: 'test' });
let h: TestHarness;
/** A worker whose projection fails once right after its transaction committed, on its own task queue. */
let faulty: TestHarness;
const failedOnce = new Set<string>();

beforeAll(async () => {
  h = await startHarness();
  faulty = await startHarness({
    wrapActivities: (activities) => ({
      ...activities,
      async projectMemberStatus(p) {
        await activities.projectMemberStatus(p);
        if (failedOnce.has(p.idempotencyKey)) return;
        failedOnce.add(p.idempotencyKey);
        throw new Error('worker lost after the commit');
      },
    }),
  });
});
afterAll(async () => {
  await faulty?.stop();
  await h?.stop();
});

type Member = { orgId: string; orgSlug: string; memberId: string; email: string; source: MemberSource };

async function newOrg(admins = 2) {
  const org = await insertOrg(h.sql);
  const add = async (local: string, source: MemberSource = 'directory', orgRole: OrgRole = 'member'): Promise<Member> => {
    const m = await insertMember(h.sql, org.id, `${local}@${org.slug}.test`, { source, orgRole });
    return { orgId: org.id, orgSlug: org.slug, memberId: m.id, email: m.email, source };
  };
  const bosses = [];
  for (let i = 0; i < admins; i++) bosses.push(await add(`boss${i}`, 'operator', 'org_admin'));
  return { org, add, bosses };
}

const directory = (state: DirectoryEvent['state'], seq: number): DirectoryEvent => ({ state, seq, at: new Date().toISOString() });
const decide = (m: Member, decision: StatusDecisionName, by: Member, reason?: string, harness = h) =>
  decideMemberStatus(harness.client, harness.taskQueue, withEmailHash(m), decision, { by: by.memberId, reason: reason ?? null });
const lifecycle = (m: Member) => h.client.workflow.getHandle(memberWorkflowId(m.orgSlug, m.memberId));
const row = async (m: Member) => {
  const [r] = await h.sql`
    select status, directory_state as "directoryState", status_override as override, status_override_by as "overrideBy",
      status_override_reason as reason
    from members where id = ${m.memberId}`;
  return r!;
};
const statusEvents = (m: Member) =>
  h.sql`select actor, type, data from audit_events where member_id = ${m.memberId} and type <> 'member.lifecycle_started' order by id`;
/** Until the lifecycle has applied the directory's word up to `seq`. */
const untilApplied = (m: Member, seq: number) =>
  eventually(async () => {
    const state = await lifecycle(m).query(memberStateQuery).catch(() => undefined);
    return state && state.directory.seq >= seq ? state : undefined;
  });
const attributes = async (m: Member) => {
  const typed = (await lifecycle(m).describe()).typedSearchAttributes;
  return { status: typed.get(searchAttributes.memberStatus), disabledBy: typed.get(searchAttributes.disabledBy), override: typed.get(searchAttributes.statusOverride) };
};
const sessionOf = async (m: Member) => {
  const id = await createSession(h.sql, config, m.memberId);
  return { id, live: async () => (await resolveSession(h.sql, config, id)) !== undefined };
};

describe('status decisions in the member lifecycle', () => {
  it('a manual disable survives a directory "active" event; following the directory restores the directory\'s state', async () => {
    const { add, bosses } = await newOrg();
    const ada = await add('ada');
    await sendDirectoryEvent(h.client, ada, directory('active', 1), h.taskQueue, testEmailHash);
    await untilApplied(ada, 1);

    const disabled = await decide(ada, 'disable', bosses[0]!, 'on leave');
    expect(disabled).toMatchObject({ changed: true, status: 'disabled', directoryStatus: 'active', disabledBy: 'manual', override: { kind: 'disabled', by: bosses[0]!.memberId, reason: 'on leave' } });
    expect(await row(ada)).toEqual({ status: 'disabled', directoryState: 'active', override: 'disabled', overrideBy: bosses[0]!.memberId, reason: 'on leave' });

    await sendDirectoryEvent(h.client, ada, directory('active', 2), h.taskQueue, testEmailHash);
    expect(await untilApplied(ada, 2)).toMatchObject({ status: 'disabled', disabledBy: 'manual' });
    expect((await row(ada)).status).toBe('disabled');
    expect(await attributes(ada)).toEqual({ status: 'disabled', disabledBy: 'manual', override: 'disabled' });

    await sendDirectoryEvent(h.client, ada, directory('inactive', 3), h.taskQueue, testEmailHash);
    await untilApplied(ada, 3);
    const followed = await decide(ada, 'follow-directory', bosses[1]!);
    expect(followed).toEqual({ changed: true, status: 'disabled', directoryStatus: 'inactive', override: null, disabledBy: 'directory' });
    expect(await attributes(ada)).toEqual({ status: 'disabled', disabledBy: 'directory', override: undefined });

    await sendDirectoryEvent(h.client, ada, directory('active', 4), h.taskQueue, testEmailHash);
    await untilApplied(ada, 4);
    expect(await row(ada)).toEqual({ status: 'active', directoryState: 'active', override: null, overrideBy: null, reason: null });
    expect((await statusEvents(ada)).map((e) => [e.actor, e.type, e.data.action ?? null])).toEqual([
      [`member:${bosses[0]!.memberId}`, 'member.disabled', 'disable'],
      [`member:${bosses[1]!.memberId}`, 'member.status_override_changed', 'follow_directory'],
      ['directory', 'member.enabled', null],
    ]);
    await recordHistory(lifecycle(ada), 'member-lifecycle-status-decisions');
  });

  it('the same deactivation signalled five times at once makes one transition and one audit event, and revokes every session', async () => {
    const { add } = await newOrg();
    const bea = await add('bea');
    await sendDirectoryEvent(h.client, bea, directory('active', 1), h.taskQueue, testEmailHash);
    await untilApplied(bea, 1);
    const sessions = [await sessionOf(bea), await sessionOf(bea)];

    const deactivation = directory('inactive', 2);
    await Promise.all(Array.from({ length: 5 }, () => sendDirectoryEvent(h.client, bea, deactivation, h.taskQueue, testEmailHash)));
    await untilApplied(bea, 2);
    expect((await row(bea)).status).toBe('disabled');
    expect(await Promise.all(sessions.map((s) => s.live()))).toEqual([false, false]);
    expect((await statusEvents(bea)).map((e) => e.type)).toEqual(['member.disabled']);
    const history = await lifecycle(bea).fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length).toBe(6);
    // One projection for the directory's first word (active), one for the deactivation.
    expect(history.events?.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'projectMemberStatus').length).toBe(2);
    expect(await attributes(bea)).toEqual({ status: 'disabled', disabledBy: 'directory', override: undefined });
  });

  it('a re-enabled member keeps their old sessions dead, signs in afresh, and the org\'s reminders re-read who waits', async () => {
    const { add, bosses } = await newOrg();
    const cy = await add('cy');
    await sendDirectoryEvent(h.client, cy, directory('active', 1), h.taskQueue, testEmailHash);
    await untilApplied(cy, 1);
    const old = await sessionOf(cy);
    await decide(cy, 'disable', bosses[0]!);
    expect(await old.live()).toBe(false);

    const reminders = h.client.workflow.getHandle(siteAccessRemindersWorkflowId(cy.orgSlug));
    const nudges = async () => (await reminders.fetchHistory()).events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length ?? 0;
    const before = await nudges();
    expect(await decide(cy, 'enable', bosses[0]!, 'back from leave')).toMatchObject({ changed: true, status: 'active', override: { kind: 'enabled' } });
    expect(await old.live()).toBe(false);
    expect(await (await sessionOf(cy)).live()).toBe(true);
    expect(await nudges()).toBe(before + 1);
  });

  it('repeating a decision changes nothing and answers with the state in force', async () => {
    const { add, bosses } = await newOrg();
    const dot = await add('dot', 'jit');
    await h.client.workflow.start(memberLifecycleWorkflow, { taskQueue: h.taskQueue, workflowId: memberWorkflowId(dot.orgSlug, dot.memberId), ...lifecycleStart(withEmailHash({ ...dot, waitingSince: null })) });
    const first = await decide(dot, 'disable', bosses[0]!, 'first');
    const again = await decide(dot, 'disable', bosses[1]!, 'second');
    expect(again).toEqual({ ...first, changed: false });
    expect(await decide(dot, 'follow-directory', bosses[0]!)).toMatchObject({ changed: true, status: 'active', directoryStatus: 'none' });
    expect(await decide(dot, 'follow-directory', bosses[0]!)).toMatchObject({ changed: false, status: 'active' });
    expect((await statusEvents(dot)).map((e) => e.type)).toEqual(['member.disabled', 'member.enabled']);
  });

  it('starts the lifecycle of a member who has none when an admin decides on them', async () => {
    const { add, bosses } = await newOrg();
    const eve = await add('eve', 'operator');
    expect(await decide(eve, 'disable', bosses[0]!)).toMatchObject({ changed: true, status: 'disabled' });
    expect((await lifecycle(eve).describe()).status.name).toBe('RUNNING');
    expect((await row(eve)).status).toBe('disabled');
  });
});

describe('the last active org admin', () => {
  it('cannot be disabled by an admin, themselves included; the refusal changes nothing', async () => {
    const { bosses } = await newOrg(2);
    const [boss, deputy] = bosses as [Member, Member];
    expect(await decide(deputy, 'disable', boss)).toMatchObject({ status: 'disabled' });
    await expect(decide(boss, 'disable', boss)).rejects.toBeInstanceOf(LastOrgAdminError);
    expect(await row(boss)).toMatchObject({ status: 'active', override: null });
    expect(await lifecycle(boss).query(memberStateQuery)).toMatchObject({ status: 'active', override: null });
    expect(await statusEvents(boss)).toEqual([]);
    // The directory is not refused: someone removed there has left the organisation.
    await sendDirectoryEvent(h.client, boss, directory('inactive', 1), h.taskQueue, testEmailHash);
    await untilApplied(boss, 1);
    expect((await row(boss)).status).toBe('disabled');
    await recordHistory(lifecycle(boss), 'member-lifecycle-last-admin-refused');
  });

  it('of two admins disabling each other at once, one is refused', async () => {
    const { bosses } = await newOrg(2);
    const [boss, deputy] = bosses as [Member, Member];
    const outcomes = await Promise.allSettled([decide(boss, 'disable', deputy), decide(deputy, 'disable', boss)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason)).toEqual([expect.any(LastOrgAdminError)]);
    const active = await h.sql`select id from members where id in ${h.sql([boss.memberId, deputy.memberId])} and status = 'active'`;
    expect(active).toHaveLength(1);
  });
});

describe('robustness', () => {
  it('a projection that fails after its commit is retried without a second transition', async () => {
    const { add, bosses } = await newOrg();
    const fay = await add('fay');
    const handle = await faulty.client.workflow.start(memberLifecycleWorkflow, {
      taskQueue: faulty.taskQueue,
      workflowId: memberWorkflowId(fay.orgSlug, fay.memberId),
      ...lifecycleStart(withEmailHash({ ...fay, waitingSince: null })),
    });
    expect(await decide(fay, 'disable', bosses[0]!, undefined, faulty)).toMatchObject({ changed: true, status: 'disabled' });
    expect(await decide(fay, 'enable', bosses[0]!, undefined, faulty)).toMatchObject({ changed: true, status: 'active' });
    expect((await statusEvents(fay)).map((e) => e.type)).toEqual(['member.disabled', 'member.enabled']);
    const attempts = (await handle.fetchHistory()).events?.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
    expect(attempts).toEqual([2, 2]);
  });

  it('refuses a malformed decision before it enters history', async () => {
    const { add, bosses } = await newOrg();
    const gus = await add('gus', 'jit');
    const handle = await h.client.workflow.start(memberLifecycleWorkflow, { taskQueue: h.taskQueue, workflowId: memberWorkflowId(gus.orgSlug, gus.memberId), ...lifecycleStart(withEmailHash({ ...gus, waitingSince: null })) });
    await expect(handle.executeUpdate(disableMemberUpdate, { args: [{ by: 'someone' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(handle.executeUpdate(disableMemberUpdate, { args: [{ by: gus.memberId, reason: 'x'.repeat(501) }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect((await handle.fetchHistory()).events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    expect((await row(gus)).status).toBe('active');
 
    // Passes the validator but not the database: refused at once, and the next decision still applies.
    await expect(handle.executeUpdate(disableMemberUpdate, { args: [{ by: randomUUID() }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await decide(gus, 'disable', bosses[0]!)).toMatchObject({ changed: true, status: 'disabled' });
  });

  it('is findable by operators: disabled by the directory apart from disabled manually', async () => {
    const { org, add, bosses } = await newOrg();
    const [hal, ivy] = [await add('hal'), await add('ivy')];
    await sendDirectoryEvent(h.client, hal, directory('deleted', 1), h.taskQueue, testEmailHash);
    await decide(ivy, 'disable', bosses[0]!);
    const find = (query: string) =>
      eventually(async () => {
        const ids: string[] = [];
        for await (const wf of h.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids.length ? ids : undefined;
      }, 30_000);
    expect(await find(`OrgSlug = '${org.slug}' AND DisabledBy = 'directory'`)).toEqual([lifecycle(hal).workflowId]);
    expect(await find(`OrgSlug = '${org.slug}' AND DisabledBy = 'manual' AND StatusOverride = 'disabled'`)).toEqual([lifecycle(ivy).workflowId]);
  });
});
