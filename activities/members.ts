import { insertAuditEvent } from '../db/audit.ts';
import type { Sql } from '../db/client.ts';
import { alreadyTold, noteTold, toldReminders } from '../db/reminder-nudges.ts';
import { remindersAwaitRecipients, siteAccessClock, waitingMembers } from '../db/site-access.ts';
import { dueAt, type ReminderPolicy } from '../domain/reminders.ts';
import type { RemindersNudge } from '../workflows/definitions.ts';
import type { AuditEventInput } from './audit.ts';
import { noDirectory, type DirectoryState, type DirectoryWord, type OverrideKind, type StatusDecision } from '../domain/lifecycle.ts';
import type { MemberStatus, OrgRef } from '../domain/member.ts';

export interface LifecycleStarted {
  /**
   * Since when the member has had no site as a plain member (ISO), whatever their status: the
   * lifecycle applies its own status to it (db/site-access.ts `waitsForSite`); null if they have one.
   */
  noSiteSince: string | null;
  /** When that was read (ISO, the database's clock): orders it against later site-access changes. */
  readAt: string;
  /**
   * The status decisions an earlier lifecycle of this member projected (one terminated and started
   * again): the new one goes on from them instead of from "active, following the directory".
   */
  decided: { status: MemberStatus } & StatusDecision;
  /**
   * The directory's latest committed word on the member (their directory link), null if it never
   * spoke: a lifecycle started again goes on from it, so an older event still in flight stays older.
   */
  directory: DirectoryWord | null;
}

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
function decidedFrom(row: DecidedRow): LifecycleStarted['decided'] {
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

export function memberActivities(sql: Sql, policy: ReminderPolicy, nudgeReminders: (org: OrgRef, nudge: RemindersNudge) => Promise<void>) {
  return {
    /**
     * Stamps the member as having a running lifecycle, with its audit event, in one transaction, and
     * reads whether they wait for a site; if so, tells the org's site-access reminders when their
     * reminder falls due, and if they are an org admin (a recipient), that held reminders may go. Every route
     * in (JIT, invitation, operator, directory) starts a lifecycle, so every new member is covered.
     * Idempotent: the event is keyed and the stamp keeps its first value, so a retry changes
     * nothing; a repeated nudge at worst makes the reminders try a digest that finds nothing due.
     */
    async recordLifecycleStarted(event: AuditEventInput & { memberId: string }): Promise<LifecycleStarted | undefined> {
      const started = await sql.begin(async (tx) => {
        await insertAuditEvent(tx, event);
        const [member]: [(OrgRef & { readAt: Date; isAdmin: boolean })?] = await tx`
          update members m set lifecycle_started_at = coalesce(m.lifecycle_started_at, now())
          from organisations o
          where m.id = ${event.memberId} and o.id = m.org_id
          returning m.org_id as "orgId", o.slug as "orgSlug", now() as "readAt", m.org_role = 'org_admin' as "isAdmin"`;
        if (!member) return undefined;
        const [waiting] = await waitingMembers(tx, member.orgId, event.memberId);
        const clock = await siteAccessClock(tx, event.memberId);
        const due = waiting && dueAt(waiting, policy);
        const told = due === undefined ? undefined : await toldReminders(tx, member.orgId);
        const [decided]: [DecidedRow] = await tx`
          select m.status, m.directory_state as "directoryState", l.directory_changed_at as "directoryAt",
                 m.status_override as "overrideKind", m.status_override_by as "overrideBy", m.status_override_at as "overrideAt",
                 m.status_override_reason as "overrideReason", l.directory_state as "linkState", l.directory_seq as "linkSeq"
          from members m left join directory_links l on l.member_id = m.id
          where m.id = ${event.memberId}`;
        return { org: member, noSiteSince: clock?.pendingSince ?? null, due, told, readAt: member.readAt.toISOString(), decided: decidedFrom(decided), directory: latestWord(decided) };
      });
      if (!started) return undefined;
      const org = { orgId: started.org.orgId, orgSlug: started.org.orgSlug };
      // Skipped when the reminders already wait for a time no later (db/reminder-nudges.ts): in a
      // burst of first sign-ins, nearly every one.
      const { due, told } = started;
      if (due !== undefined && told && !alreadyTold(told, due)) {
        await nudgeReminders(org, { dueAt: new Date(due).toISOString() });
        await noteTold(sql, org.orgId, told, due);
      }
      // A new admin is a new recipient: reminders held for want of one may go out now (if any wait).
      if (started.org.isAdmin && (await remindersAwaitRecipients(sql, policy, org.orgId))) await nudgeReminders(org, {});
      return { noSiteSince: started.noSiteSince, readAt: started.readAt, decided: started.decided, directory: started.directory };
    },
  };
}
