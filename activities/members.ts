import { insertAuditEvent } from '../db/audit.ts';
import type { Sql } from '../db/client.ts';
import { orgsWithRemindersDue, waitingMembers } from '../db/site-access.ts';
import { dueAt, type ReminderPolicy } from '../domain/reminders.ts';
import type { OrgRef } from '../temporal/site-access.ts';
import type { RemindersNudge } from '../workflows/definitions.ts';
import type { AuditEventInput } from './audit.ts';

export interface LifecycleStarted {
  /** Since when the member has waited for a site (ISO), or null if they have one (or are disabled). */
  waitingSince: string | null;
  /** When that was read (ISO, the database's clock): orders it against later site-access changes. */
  readAt: string;
}

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
        const due = waiting && dueAt(waiting, policy);
        return { org: member, waitingSince: waiting?.waitingSince ?? null, due, readAt: member.readAt.toISOString() };
      });
      if (!started) return undefined;
      const org = { orgId: started.org.orgId, orgSlug: started.org.orgSlug };
      if (started.due !== undefined) await nudgeReminders(org, { dueAt: new Date(started.due).toISOString() });
      // A new admin is a new recipient: reminders held for want of one may go out now (if any wait).
      if (started.org.isAdmin && (await orgsWithRemindersDue(sql, policy, org.orgId)).length > 0) await nudgeReminders(org, {});
      return { waitingSince: started.waitingSince, readAt: started.readAt };
    },
  };
}
