/**
 * Site-access reminders as pure rules: the schedule, the step each waiting member is due for,
 * when an organisation's next digest may go out and who receives it. The digest activity applies
 * them (activities/reminders.ts) for the per-org workflow; nothing here reads a clock or does I/O.
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

/** Where a waiting member's reminders stand: the last step sent about their current wait (0: none). */
export interface ReminderProgress {
  memberId: string;
  waitingSince: string;
  step: number;
}

export const isSilenced = (progress: ReminderProgress, policy: ReminderPolicy): boolean => progress.step >= policy.scheduleMs.length;

/** When the member's next step falls due; undefined once silenced. */
export function dueAt(progress: ReminderProgress, policy: ReminderPolicy): number | undefined {
  const delay = policy.scheduleMs[progress.step];
  return delay === undefined ? undefined : Date.parse(progress.waitingSince) + delay;
}

/** The earliest step due among the members; undefined when all are silenced (or none wait). */
export function earliestDue(progress: ReminderProgress[], policy: ReminderPolicy): number | undefined {
  let earliest: number | undefined;
  for (const member of progress) {
    const due = dueAt(member, policy);
    if (due !== undefined && (earliest === undefined || due < earliest)) earliest = due;
  }
  return earliest;
}

/** The earliest moment a digest may go: someone is due and the window since the last digest has passed. */
export function nextDigestAt(due: number | undefined, lastDigestAt: number | undefined, policy: ReminderPolicy): number | undefined {
  if (due === undefined) return undefined;
  return lastDigestAt === undefined ? due : Math.max(due, lastDigestAt + policy.digestWindowMs);
}

/**
 * The step a digest at `now` sends about the member, or undefined if none is due. A member whose
 * next step falls due within one window goes now rather than a window late; one who waited through
 * several steps unreminded (already waiting when reminders were deployed, or through an outage) is
 * reminded once, at the latest step already due, instead of at every earlier step a window apart.
 */
export function stepDueBy(progress: ReminderProgress, policy: ReminderPolicy, now: number): number | undefined {
  const since = Date.parse(progress.waitingSince);
  const dueBy = (step: number, time: number) => step < policy.scheduleMs.length && since + policy.scheduleMs[step]! <= time;
  let step = progress.step;
  while (dueBy(step, now)) step++;
  if (step === progress.step && dueBy(step, now + policy.digestWindowMs)) step++;
  return step > progress.step ? step : undefined;
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

export const digestLevel = (entries: DigestEntry[]): number => entries.reduce((level, e) => (e.advances && e.step > level ? e.step : level), 0);

/**
 * The digest due at `now`, or undefined if nobody's step is due yet (those due within the window
 * only come along with someone who is: a digest tried early, say because a new admin appeared,
 * sends nothing) or it would advance nobody. It lists every member not yet silenced, so people who
 * join together are reminded together, one email per recipient and step.
 */
export function planDigest(progress: ReminderProgress[], policy: ReminderPolicy, now: number): DigestPlan | undefined {
  const due = earliestDue(progress, policy);
  if (due === undefined || due > now) return undefined;
  const entries = progress.flatMap((member): DigestEntry[] => {
    if (isSilenced(member, policy)) return [];
    const step = stepDueBy(member, policy, now);
    return [{ memberId: member.memberId, step: step ?? member.step, advances: step !== undefined }];
  });
  const level = digestLevel(entries);
  return level === 0 ? undefined : { level, entries };
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
