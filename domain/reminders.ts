/**
 * Site-access reminders as pure rules: the schedule, the step each waiting member is due for,
 * when an organisation's next digest may go out and who receives it. The per-org workflow applies
 * them (workflows/site-access-reminders.ts); nothing here reads a clock or does I/O.
 */
import { parseDuration } from './duration.ts';

export interface ReminderPolicy {
  /** Each step's delay after the member began waiting, strictly increasing; the last step is the final notice. */
  scheduleMs: number[];
  /** An organisation's recipients get at most one digest in this long. */
  digestWindowMs: number;
}

/** From this step on the org's IT contacts are copied and the wording turns urgent. */
export const ESCALATION_STEP = 3;

export function parseSchedule(text: string): { scheduleMs: number[] } | { error: string } {
  const parts = text.split(',').map((part) => part.trim());
  const scheduleMs: number[] = [];
  for (const part of parts) {
    const ms = parseDuration(part);
    if (ms === undefined) return { error: `has "${part}": list durations such as 1h,1d,3d,7d,14d (units ms, s, m, h, d)` };
    if (ms <= (scheduleMs.at(-1) ?? 0)) return { error: 'must list increasing durations after the member began waiting, e.g. 1h,1d,3d,7d,14d' };
    scheduleMs.push(ms);
  }
  return { scheduleMs };
}

export interface WaitingMember {
  memberId: string;
  name: string;
  email: string;
  /** Since when the member has had no site (ISO). */
  waitingSince: string;
}

/** The workflow's decision about one member's current wait. */
export interface MemberReminder {
  /** The wait these steps belong to: a member who waits anew (all sites removed later) starts over. */
  waitingSince: string;
  /** Reminders already sent about this wait: 0 for none, the schedule's length once silenced. */
  step: number;
}

export interface ReminderDecisions {
  members: Record<string, MemberReminder>;
  lastDigestAt: string | null;
  /** Digests sent so far; the next one's number keys its emails. */
  digests: number;
}

export const noDecisions = (): ReminderDecisions => ({ members: {}, lastDigestAt: null, digests: 0 });

/** Decisions for exactly the members who wait now: others are forgotten, newcomers start at step 0. */
export function reconcile(decisions: ReminderDecisions, waiting: WaitingMember[]): ReminderDecisions {
  const members: Record<string, MemberReminder> = {};
  for (const { memberId, waitingSince } of waiting) {
    const known = decisions.members[memberId];
    members[memberId] = known?.waitingSince === waitingSince ? known : { waitingSince, step: 0 };
  }
  return { ...decisions, members };
}

export const isSilenced = (reminder: MemberReminder, policy: ReminderPolicy): boolean => reminder.step >= policy.scheduleMs.length;

/** When the member's next step falls due; undefined once silenced. */
export function dueAt(reminder: MemberReminder, policy: ReminderPolicy): number | undefined {
  const delay = policy.scheduleMs[reminder.step];
  return delay === undefined ? undefined : Date.parse(reminder.waitingSince) + delay;
}

const windowEnd = (decisions: ReminderDecisions, policy: ReminderPolicy): number =>
  decisions.lastDigestAt === null ? -Infinity : Date.parse(decisions.lastDigestAt) + policy.digestWindowMs;

/** The earliest moment the next digest may go: someone is due and the window since the last one has passed. */
export function nextDigestAt(decisions: ReminderDecisions, policy: ReminderPolicy): number | undefined {
  const dues = Object.values(decisions.members).flatMap((reminder) => dueAt(reminder, policy) ?? []);
  if (dues.length === 0) return undefined;
  return Math.max(Math.min(...dues), windowEnd(decisions, policy));
}

export interface DigestEntry {
  memberId: string;
  /** The step the digest shows: the new one for a member it advances, else the last one sent (0: none yet). */
  step: number;
  advances: boolean;
}

export interface DigestPlan {
  /** The highest step the digest sends; it sets recipients and urgency. */
  level: number;
  entries: DigestEntry[];
}

export const digestLevel = (entries: DigestEntry[]): number => Math.max(0, ...entries.filter((e) => e.advances).map((e) => e.step));

/**
 * The digest due at `now`, or undefined. It lists every member not yet silenced and advances each
 * at most one step. A member whose next step falls due before the following digest could go out
 * (within one window) advances now rather than a window late, so people who join together are
 * reminded together, one email per recipient and step.
 */
export function planDigest(decisions: ReminderDecisions, policy: ReminderPolicy, now: number): DigestPlan | undefined {
  const at = nextDigestAt(decisions, policy);
  if (at === undefined || now < at) return undefined;
  const entries = Object.entries(decisions.members).flatMap(([memberId, reminder]): DigestEntry[] => {
    const due = dueAt(reminder, policy);
    if (due === undefined) return [];
    const advances = due <= now + policy.digestWindowMs;
    return [{ memberId, step: advances ? reminder.step + 1 : reminder.step, advances }];
  });
  return { level: digestLevel(entries), entries };
}

/**
 * Records the steps a digest sent. Its number is used up either way: a crashed earlier attempt of
 * the same digest may already have mailed some recipients under it, and a later digest reusing the
 * number would find those keys sent and skip them. One that sent nothing (everyone in it got a
 * site meanwhile) starts no window.
 */
export function applyDigest(decisions: ReminderDecisions, sent: DigestEntry[], at: string): ReminderDecisions {
  const digests = decisions.digests + 1;
  if (!sent.some((entry) => entry.advances)) return { ...decisions, digests };
  const members = { ...decisions.members };
  for (const entry of sent) {
    const reminder = members[entry.memberId];
    if (reminder && entry.advances) members[entry.memberId] = { ...reminder, step: entry.step };
  }
  return { members, lastDigestAt: at, digests };
}

export interface ReminderContacts {
  /** Addresses of the org's active org admins that can receive mail. */
  admins: string[];
  itContacts: string[];
  /** Active org admins skipped because their address cannot receive mail. */
  adminsWithoutEmail: string[];
}

export type RecipientRole = 'admin' | 'it_contact_escalation' | 'it_contact_no_admin';

export interface Recipient {
  address: string;
  role: RecipientRole;
}

/**
 * Org admins receive every step; from the escalation step the IT contacts are copied. An org with
 * no reachable admin (say, only JIT members so far) has its IT contacts reminded from the first
 * step instead: someone there must hear of it. Never a plain member, never another org's people.
 */
export function recipientsFor(level: number, contacts: ReminderContacts): Recipient[] {
  if (contacts.admins.length === 0) return contacts.itContacts.map((address) => ({ address, role: 'it_contact_no_admin' }));
  const admins: Recipient[] = contacts.admins.map((address) => ({ address, role: 'admin' }));
  if (level < ESCALATION_STEP) return admins;
  const copied = contacts.itContacts.filter((address) => !contacts.admins.includes(address));
  return [...admins, ...copied.map((address): Recipient => ({ address, role: 'it_contact_escalation' }))];
}

export interface ReminderWarning {
  code: 'no_admin' | 'no_recipients' | 'admin_without_email';
  message: string;
}

export function contactWarnings(contacts: ReminderContacts): ReminderWarning[] {
  const warnings: ReminderWarning[] = contacts.adminsWithoutEmail.map((memberId) => ({
    code: 'admin_without_email',
    message: `org admin ${memberId} has no address that can receive mail and is skipped`,
  }));
  if (contacts.admins.length > 0) return warnings;
  if (contacts.itContacts.length > 0) {
    return [...warnings, { code: 'no_admin', message: 'no org admin with an email address: the IT contacts receive every reminder' }];
  }
  return [
    ...warnings,
    { code: 'no_recipients', message: 'no org admin and no IT contact with an email address: reminders wait until there is one (npm run cli -- admin grant / it-contact add)' },
  ];
}
