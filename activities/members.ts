import { insertAuditEvent } from '../db/audit.ts';
import type { Queryable, Sql } from '../db/client.ts';
import { alreadyTold, noteTold, toldReminders, type ToldReminders } from '../db/reminder-nudges.ts';
import { remindersAwaitRecipients, siteAccessClock, waitingMembers } from '../db/site-access.ts';
import { dueAt, type ReminderPolicy } from '../domain/reminders.ts';
import type { LifecycleSeed } from '../workflows/definitions.ts';
import type { TemporalPorts } from './ports.ts';
import type { AuditEventInput } from './audit.ts';
import { noDirectory, type DirectoryState, type DirectoryWord, type OverrideKind } from '../domain/lifecycle.ts';
import type { MemberStatus, OrgRef } from '../domain/member.ts';

interface DecidedRow {
  status: MemberStatus;
  directoryState: DirectoryState;
  directoryAt: Date | null;
  overrideKind: OverrideKind | null;
  overrideBy: string | null;
  overrideAt: Date | null;
  overrideReason: string | null;
  linkState: DirectoryWord['state'] | null;
  linkSeq: string | null;
}

/**
 * The directory's word as last projected, and the admin's override. The projection keeps no seq, so
 * it starts at 0; the lifecycle then applies the link's latest word (`directory`), which carries one.
 */
function decidedFrom(row: DecidedRow): LifecycleSeed['decided'] {
  const override = row.overrideKind && row.overrideBy && row.overrideAt
    ? { kind: row.overrideKind, by: row.overrideBy, at: row.overrideAt.toISOString(), reason: row.overrideReason }
    : null;
  const directory = row.directoryState === 'none'
    ? noDirectory
    : { state: row.directoryState, seq: 0, at: row.directoryAt?.toISOString() ?? null };
  return { status: row.status, directory, override };
}

const latestWord = (row: DecidedRow): DirectoryWord | null =>
  row.linkState && row.linkSeq && row.directoryAt ? { state: row.linkState, seq: Number(row.linkSeq), at: row.directoryAt.toISOString() } : null;

/** A stamp's transaction read the member waiting: when their reminder falls due and what the reminders were told. */
export interface StampedLifecycle {
  seed: Omit<LifecycleSeed, 'emailHash'>;
  /** The member's email as stored: the seed's emailHash is its hash (withEmailHash). */
  email: string;
  org: OrgRef & { isAdmin: boolean };
  due: number | undefined;
  told: ToldReminders;
}

/**
 * In the caller's transaction: stamps the member as having a running lifecycle, with its audit
 * event, and reads what the lifecycle goes on from. Idempotent: the event is keyed and the stamp
 * keeps its first value. Undefined when the member does not exist. `told` is what the org's
 * reminders were told, read (toldReminders) at the start of the same transaction, before it locked
 * any member: a digest decision holding that row may be waiting for a member's lock itself.
 */
export async function stampLifecycle(tx: Queryable, policy: ReminderPolicy, event: AuditEventInput & { memberId: string }, told: ToldReminders): Promise<StampedLifecycle | undefined> {
  const [member]: [(OrgRef & { readAt: Date; isAdmin: boolean; email: string })?] = await tx`
    update members m set lifecycle_started_at = coalesce(m.lifecycle_started_at, now())
    from organisations o
    where m.id = ${event.memberId} and o.id = m.org_id
    returning m.org_id as "orgId", o.slug as "orgSlug", now() as "readAt", m.org_role = 'org_admin' as "isAdmin", m.email`;
  if (!member) return undefined;
  await insertAuditEvent(tx, event);
  const [waiting] = await waitingMembers(tx, member.orgId, event.memberId);
  const clock = await siteAccessClock(tx, event.memberId);
  const due = waiting && dueAt(waiting, policy);
  const [decided]: [DecidedRow] = await tx`
    select m.status, m.directory_state as "directoryState", l.directory_changed_at as "directoryAt",
           m.status_override as "overrideKind", m.status_override_by as "overrideBy", m.status_override_at as "overrideAt",
           m.status_override_reason as "overrideReason", l.directory_state as "linkState", l.directory_seq as "linkSeq"
    from members m left join directory_links l on l.member_id = m.id
    where m.id = ${event.memberId}`;
  const { readAt, isAdmin, orgId, orgSlug, email } = member;
  return {
    email,
    seed: { noSiteSince: clock?.pendingSince ?? null, readAt: readAt.toISOString(), decided: decidedFrom(decided), directory: latestWord(decided) },
    org: { orgId, orgSlug, isAdmin },
    due,
    told,
  };
}

/** What a stamp asks of Temporal (activities/ports.ts). */
export type StampPorts = Pick<TemporalPorts, 'nudgeReminders' | 'remindersRunning' | 'memberEmailHash'>;

/** The seed as the lifecycle takes it: with the MemberEmailHash of the member's stored email. */
export const withEmailHash = (temporal: StampPorts, { seed, email }: StampedLifecycle): LifecycleSeed => ({ ...seed, emailHash: temporal.memberEmailHash(email) });

/**
 * After the stamp committed: if the member waits, tells the org's site-access reminders when their
 * reminder falls due, unless they were told of a time no later and still run (db/reminder-nudges.ts:
 * in a burst of first sign-ins, nearly always; the note outlives a workflow an operator terminated,
 * hence the look, which is no billable Action); if they are an org admin (a recipient), that held
 * reminders may go. A repeated nudge at worst makes the reminders try a digest that finds nothing due.
 */
export async function nudgeForStamp(sql: Sql, policy: ReminderPolicy, temporal: StampPorts, { org, due, told }: StampedLifecycle): Promise<void> {
  const ref = { orgId: org.orgId, orgSlug: org.orgSlug };
  if (due !== undefined && !(alreadyTold(told, due) && (await temporal.remindersRunning(ref)))) {
    await temporal.nudgeReminders(ref, { dueAt: new Date(due).toISOString() });
    await noteTold(sql, ref.orgId, told, due);
  }
  if (org.isAdmin && (await remindersAwaitRecipients(sql, policy, ref.orgId))) await temporal.nudgeReminders(ref, {});
}

export function memberActivities(sql: Sql, policy: ReminderPolicy, temporal: StampPorts) {
  return {
    /**
     * Stamps a member whose lifecycle a directory event, an operator or an invitation started (a
     * sign-in's stamps in its provisioning), and nudges their org's reminders. Every route in
     * starts a lifecycle, so every new member is covered. Idempotent.
     */
    async recordLifecycleStarted(event: AuditEventInput & { memberId: string; orgId: string }): Promise<LifecycleSeed | undefined> {
      const stamped = await sql.begin(async (tx) => stampLifecycle(tx, policy, event, await toldReminders(tx, event.orgId)));
      if (!stamped) return undefined;
      await nudgeForStamp(sql, policy, temporal, stamped);
      return withEmailHash(temporal, stamped);
    },
  };
}
