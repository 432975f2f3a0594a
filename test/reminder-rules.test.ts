import { describe, expect, it } from 'vitest';
import { memberReminderOutlook } from '../domain/reminder-outlook.ts';
import {
  earliestDue,
  nextDigestAt,
  parseSchedule,
  planDigest,
  recipientsFor,
  type ReminderPolicy,
  type ReminderProgress,
} from '../domain/reminders.ts';

const S = 1_000;
const T0 = Date.parse('2026-11-30T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const waiting = (memberId: string, sinceMs: number, step = 0): ReminderProgress => ({ memberId, waitingSince: at(sinceMs), step });

/** A small seeded generator, so every failing case can be replayed. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
}

interface Sent {
  at: number;
  memberId: string;
  step: number;
}

/** Runs the digest activity's rules as the workflow drives them, jumping from digest to digest, until nothing is due. */
function simulate(policy: ReminderPolicy, members: ReminderProgress[]): { digests: number[]; sent: Sent[]; levels: number[] } {
  const progress = members.map((m) => ({ ...m }));
  let last: number | undefined;
  const digests: number[] = [];
  const sent: Sent[] = [];
  const levels: number[] = [];
  for (let now = nextDigestAt(earliestDue(progress, policy), last, policy); now !== undefined; now = nextDigestAt(earliestDue(progress, policy), last, policy)) {
    const plan = planDigest(progress, policy, now);
    if (!plan) throw new Error(`nothing planned at its own time ${now}`);
    digests.push(now);
    levels.push(plan.level);
    for (const entry of plan.entries.filter((e) => e.advances)) {
      sent.push({ at: now, memberId: entry.memberId, step: entry.step });
      progress.find((p) => p.memberId === entry.memberId)!.step = entry.step;
    }
    last = now;
  }
  return { digests, sent, levels };
}

describe('reminder schedule', () => {
  it('parses durations in increasing order, the last being the final notice', () => {
    expect(parseSchedule('1h,1d,3d,7d,14d')).toEqual({ scheduleMs: [3_600_000, 86_400_000, 259_200_000, 604_800_000, 1_209_600_000] });
    expect(parseSchedule(' 15s, 30s ,1m ')).toEqual({ scheduleMs: [15_000, 30_000, 60_000] });
    expect(parseSchedule('1h,2x')).toEqual({ error: expect.stringContaining('"2x"') });
    expect(parseSchedule('1d,1h')).toEqual({ error: expect.stringContaining('increasing') });
    expect(parseSchedule('0s')).toEqual({ error: expect.stringContaining('increasing') });
    expect(parseSchedule('')).toEqual({ error: expect.any(String) });
  });
});

describe('reminder decisions (property-style, seeded)', () => {
  const cases = Array.from({ length: 100 }, (_, seed) => {
    const rand = random(seed + 1);
    const steps = 1 + rand(6);
    const scheduleMs: number[] = [];
    for (let i = 0; i < steps; i++) scheduleMs.push((scheduleMs.at(-1) ?? 0) + (1 + rand(20)) * S);
    const policy = { scheduleMs, digestWindowMs: rand(scheduleMs[0]! + 1) };
    const members = Array.from({ length: 1 + rand(8) }, (_, i) => waiting(`m${i}`, rand(30) * S));
    return { seed, policy, members };
  });

  it.each(cases)('seed $seed: steps go out in order up to the final notice, never early by more than a window, late only by the window', ({ policy, members }) => {
    const { sent } = simulate(policy, members);
    for (const member of members) {
      const mine = sent.filter((s) => s.memberId === member.memberId);
      expect(mine.at(-1)?.step).toBe(policy.scheduleMs.length);
      const dueOf = (step: number) => Date.parse(member.waitingSince) + policy.scheduleMs[step - 1]!;
      mine.forEach((s, i) => {
        const previous = mine[i - 1];
        expect(s.step).toBeGreaterThan(previous?.step ?? 0);
        expect(s.at).toBeGreaterThanOrEqual(dueOf(s.step) - policy.digestWindowMs);
        // A step is skipped only when a later one was already due.
        for (let skipped = (previous?.step ?? 0) + 1; skipped < s.step; skipped++) expect(dueOf(skipped + 1)).toBeLessThanOrEqual(s.at);
        // On time, unless the previous step went out less than a window before (steps closer than the window).
        const firstDue = dueOf((previous?.step ?? 0) + 1);
        expect(s.at).toBeLessThanOrEqual(Math.max(firstDue, (previous?.at ?? -Infinity) + policy.digestWindowMs));
      });
    }
  });

  it.each(cases)('seed $seed: digests are at least a window apart', ({ policy, members }) => {
    const { digests } = simulate(policy, members);
    for (let i = 1; i < digests.length; i++) expect(digests[i]! - digests[i - 1]!).toBeGreaterThanOrEqual(policy.digestWindowMs);
  });

  it.each(cases)('seed $seed: members who start waiting within one window share every digest, at the same step', ({ policy, members }) => {
    const together = members.map((m, i) => waiting(m.memberId, (i * policy.digestWindowMs) / members.length));
    const { sent, digests } = simulate(policy, together);
    expect(digests.length).toBeLessThanOrEqual(policy.scheduleMs.length);
    for (const digest of digests) expect(sent.filter((s) => s.at === digest).map((s) => s.step)).toEqual(together.map(() => expect.any(Number)));
    for (const digest of digests) expect(new Set(sent.filter((s) => s.at === digest).map((s) => s.step)).size).toBe(1);
  });
});

describe('reminder decisions', () => {
  const policy = { scheduleMs: [3 * S, 5 * S, 7 * S], digestWindowMs: S };

  it('a member who waited through several steps unreminded is reminded once, at the step reached', () => {
    const days = { scheduleMs: [1, 24, 72, 168, 336].map((h) => h * 3_600 * S), digestWindowMs: 3_600 * S };
    const plan = planDigest([waiting('old', 0), waiting('new', 10 * 86_400 * S - 60 * S)], days, T0 + 10 * 86_400 * S);
    expect(plan).toEqual({ level: 4, entries: [{ memberId: 'old', step: 4, advances: true }, { memberId: 'new', step: 1, advances: true }] });
  });

  it('lists members not yet due without advancing them, and leaves silenced ones out', () => {
    const plan = planDigest([waiting('due', 0), waiting('later', 2 * S), waiting('done', 0, 3)], policy, T0 + 3 * S);
    expect(plan).toEqual({ level: 1, entries: [{ memberId: 'due', step: 1, advances: true }, { memberId: 'later', step: 0, advances: false }] });
    expect(planDigest([waiting('later', 2 * S)], policy, T0 + 3 * S - S - 1)).toBeUndefined();
  });

  it('a digest tried before anyone is due (a new admin appeared) sends nothing, even for members due within the window', () => {
    expect(planDigest([waiting('soon', 0)], policy, T0 + 3 * S - 1)).toBeUndefined();
    // Once someone is due, those due within the window come along.
    expect(planDigest([waiting('soon', -2.5 * S), waiting('now', -3 * S)], policy, T0)).toEqual({
      level: 1,
      entries: [{ memberId: 'soon', step: 1, advances: true }, { memberId: 'now', step: 1, advances: true }],
    });
  });

  it('nothing is due once everyone is silenced', () => {
    const { sent } = simulate(policy, [waiting('a', 0)]);
    expect(sent.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(earliestDue([waiting('a', 0, 3)], policy)).toBeUndefined();
    expect(nextDigestAt(undefined, T0, policy)).toBeUndefined();
  });
});

describe('reminder recipients', () => {
  const contacts = { admins: ['boss@acme.test'], itContacts: ['it@acme.test', 'boss@acme.test'], adminsWithoutEmail: [] };

  it('admins at every step, IT contacts copied from step 3, nobody twice', () => {
    expect(recipientsFor(1, contacts)).toEqual([{ address: 'boss@acme.test', role: 'admin' }]);
    expect(recipientsFor(2, contacts)).toEqual([{ address: 'boss@acme.test', role: 'admin' }]);
    expect(recipientsFor(3, contacts)).toEqual([
      { address: 'boss@acme.test', role: 'admin' },
      { address: 'it@acme.test', role: 'it_contact_escalation' },
    ]);
  });

  it('without an admin the IT contacts get every step; without anyone, nobody', () => {
    expect(recipientsFor(1, { admins: [], itContacts: ['it@acme.test'], adminsWithoutEmail: ['x'] })).toEqual([
      { address: 'it@acme.test', role: 'it_contact_no_admin' },
    ]);
    expect(recipientsFor(5, { admins: [], itContacts: [], adminsWithoutEmail: [] })).toEqual([]);
  });
});

describe('a member\'s reminder outlook', () => {
  const policy = { scheduleMs: [3 * S, 5 * S], digestWindowMs: 2 * S };
  const contacts = { admins: ['boss@acme.test'], itContacts: [], adminsWithoutEmail: ['admin-2'] };

  it('gives the next step, its latest send time (held back by the window) and recipients, with warnings', () => {
    expect(memberReminderOutlook(waiting('a', 0), { policy, lastDigestAt: undefined, contacts, now: T0 })).toEqual({
      remindersSent: 0,
      nextStep: 1,
      nextSendAt: at(3 * S),
      nextRecipients: ['boss@acme.test'],
      warnings: [expect.objectContaining({ code: 'admin_without_email' })],
    });
    expect(memberReminderOutlook(waiting('a', 0), { policy, lastDigestAt: T0 + 2 * S, contacts, now: T0 })).toMatchObject({ nextSendAt: at(4 * S) });
  });

  it('shows nothing scheduled while nobody can be mailed, and nothing after the final notice', () => {
    const nobody = { admins: [], itContacts: [], adminsWithoutEmail: [] };
    expect(memberReminderOutlook(waiting('a', 0), { policy, lastDigestAt: undefined, contacts: nobody, now: T0 })).toMatchObject({ nextStep: 1, nextSendAt: null, warnings: [expect.objectContaining({ code: 'no_recipients' })] });
    expect(memberReminderOutlook(waiting('a', 0, 2), { policy, lastDigestAt: undefined, contacts, now: T0 })).toMatchObject({ remindersSent: 2, nextStep: null, nextSendAt: null, nextRecipients: [] });
  });
});
