import type { SessionMember } from '../auth/sessions.ts';
import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { firstReminderAt, lastDigestAt, reminderContacts, waitingMembers } from '../db/site-access.ts';
import { memberReminderOutlook, type MemberReminderOutlook } from '../domain/reminder-outlook.ts';
import { formatUtc } from '../domain/reminder-email.ts';
import { recipientsFor, type ReminderPolicy } from '../domain/reminders.ts';

export interface SiteAccessStatus {
  message: string;
  siteAccess: {
    waitingSince: string;
    /** When a reminder digest first named this member to the org's admins (this wait). */
    adminsNotifiedAt: string | null;
    /** Until then: the latest time the first digest is due, or null if the org has nobody to remind. */
    adminsNotifiedBy: string | null;
  };
}

/**
 * What a member without a site is told on /api/me, read from what the reminders recorded: that
 * the admins were asked (and when), or when they will be, or that the organisation has nobody to ask.
 * Undefined when the member does not wait (disabled, or a site was just granted).
 */
export async function siteAccessStatus(sql: Sql, config: Config, member: Pick<SessionMember, 'orgId' | 'memberId'>): Promise<SiteAccessStatus | undefined> {
  const [waiting] = await waitingMembers(sql, member.orgId, member.memberId);
  if (!waiting) return undefined;
  const { waitingSince } = waiting;
  const notifiedAt = await firstReminderAt(sql, member.memberId, waitingSince);
  if (notifiedAt) {
    return {
      message: `You have no site access yet. The admins of your organisation were asked to assign you to a site on ${formatUtc(notifiedAt)}.`,
      siteAccess: { waitingSince, adminsNotifiedAt: notifiedAt, adminsNotifiedBy: null },
    };
  }
  if (recipientsFor(1, await reminderContacts(sql, member.orgId)).length === 0) {
    return {
      message: 'You have no site access yet, and your organisation has no admin who could be asked to assign you one. Please contact your IT department.',
      siteAccess: { waitingSince, adminsNotifiedAt: null, adminsNotifiedBy: null },
    };
  }
  // The digest window never exceeds the first step (config), so the first reminder is due by then.
  const by = new Date(Date.parse(waitingSince) + (config.reminders.scheduleMs[0] ?? 0)).toISOString();
  return {
    message: `You have no site access yet. The admins of your organisation will be asked to assign you to a site by ${formatUtc(by)}.`,
    siteAccess: { waitingSince, adminsNotifiedAt: null, adminsNotifiedBy: by },
  };
}

/** What the org's reminders will do about a member next, read from PostgreSQL; null unless the member waits. */
export async function memberReminders(sql: Sql, policy: ReminderPolicy, orgId: string, memberId: string): Promise<MemberReminderOutlook | null> {
  const [progress] = await waitingMembers(sql, orgId, memberId);
  if (!progress) return null;
  const last = await lastDigestAt(sql, orgId);
  return memberReminderOutlook(progress, { policy, lastDigestAt: last?.getTime(), contacts: await reminderContacts(sql, orgId), now: Date.now() });
}
