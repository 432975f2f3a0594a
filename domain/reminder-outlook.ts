/** What an organisation's reminders will do next, for operators (the workflow's query) and admin pages. */
import {
  contactWarnings,
  dueAt,
  isSilenced,
  nextDigestAt,
  recipientsFor,
  type ReminderContacts,
  type ReminderDecisions,
  type ReminderPolicy,
  type ReminderWarning,
  type WaitingMember,
} from './reminders.ts';

export interface MemberReminderOutlook extends WaitingMember {
  remindersSent: number;
  /** The next step (1-based), or null once the final notice went out. */
  nextStep: number | null;
  /**
   * When the next step goes out at the latest: earlier if another member's digest takes it along.
   * Null when silenced, or while nobody can be mailed.
   */
  nextSendAt: string | null;
  nextRecipients: string[];
}

export interface ReminderOutlook {
  /** Null when nothing is due any more (everyone silenced) or nobody can be mailed. */
  nextDigestAt: string | null;
  lastDigestAt: string | null;
  digestsSent: number;
  recipients: { admins: string[]; itContacts: string[] };
  warnings: ReminderWarning[];
  members: MemberReminderOutlook[];
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function reminderOutlook(
  decisions: ReminderDecisions,
  known: { policy: ReminderPolicy; waiting: WaitingMember[]; contacts: ReminderContacts } | undefined,
): ReminderOutlook {
  const empty = { admins: [], itContacts: [], adminsWithoutEmail: [] };
  const { policy, waiting = [], contacts = empty } = known ?? {};
  const reachable = recipientsFor(1, contacts).length > 0;
  const digestAt = policy && reachable ? nextDigestAt(decisions, policy) : undefined;
  const members = waiting.flatMap((member): MemberReminderOutlook[] => {
    const reminder = decisions.members[member.memberId];
    if (!reminder || !policy) return [];
    const silenced = isSilenced(reminder, policy);
    const due = dueAt(reminder, policy);
    const sendAt = due === undefined || digestAt === undefined ? undefined : due <= digestAt + policy.digestWindowMs ? digestAt : due;
    return [
      {
        ...member,
        remindersSent: reminder.step,
        nextStep: silenced ? null : reminder.step + 1,
        nextSendAt: iso(sendAt),
        nextRecipients: silenced ? [] : recipientsFor(reminder.step + 1, contacts).map((r) => r.address),
      },
    ];
  });
  return {
    nextDigestAt: iso(digestAt),
    lastDigestAt: decisions.lastDigestAt,
    digestsSent: decisions.digests,
    recipients: { admins: contacts.admins, itContacts: contacts.itContacts },
    warnings: contactWarnings(contacts),
    members,
  };
}
