/** What site-access reminders will do next: for one member (admin API and pages) and for an org (the workflow's query). */
import {
  contactWarnings,
  dueAt,
  isSilenced,
  nextDigestAt,
  recipientsFor,
  stepDueBy,
  type ReminderContacts,
  type ReminderPolicy,
  type ReminderProgress,
  type ReminderWarning,
} from './reminders.ts';

export interface MemberReminderOutlook {
  remindersSent: number;
  /** The next step (1-based), or null once the final notice went out. */
  nextStep: number | null;
  /**
   * When the next step goes out at the latest: earlier if another member's digest takes it along.
   * Null when silenced, or while nobody can be mailed.
   */
  nextSendAt: string | null;
  nextRecipients: string[];
  warnings: ReminderWarning[];
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function memberReminderOutlook(
  progress: ReminderProgress,
  { policy, lastDigestAt, contacts, now }: { policy: ReminderPolicy; lastDigestAt: number | undefined; contacts: ReminderContacts; now: number },
): MemberReminderOutlook {
  const warnings = contactWarnings(contacts);
  if (isSilenced(progress, policy)) return { remindersSent: progress.step, nextStep: null, nextSendAt: null, nextRecipients: [], warnings };
  const reachable = recipientsFor(1, contacts).length > 0;
  const sendAt = reachable ? nextDigestAt(Math.max(dueAt(progress, policy) ?? now, now), lastDigestAt, policy) : undefined;
  const nextStep = stepDueBy(progress, policy, sendAt ?? now) ?? progress.step + 1;
  return {
    remindersSent: progress.step,
    nextStep,
    nextSendAt: iso(sendAt),
    nextRecipients: recipientsFor(nextStep, contacts).map((r) => r.address),
    warnings,
  };
}

/** An organisation's reminders as its workflow sees them; per-member detail is in PostgreSQL (see above). */
export interface ReminderOutlook {
  /** Null when nothing is due any more (everyone silenced or granted) or nobody can be mailed. */
  nextDigestAt: string | null;
  lastDigestAt: string | null;
  digestsSent: number;
  /** Members waiting for a site when the workflow last looked, and those of them not yet silenced. */
  waiting: number;
  pending: number;
  recipients: { admins: string[]; itContacts: string[] };
  warnings: ReminderWarning[];
}
