import { describe, expect, it } from 'vitest';
import { reminderOutlook } from '../domain/reminder-outlook.ts';
import { digestEmail, digestSubject } from '../domain/reminder-email.ts';
import {
  applyDigest,
  nextDigestAt,
  noDecisions,
  parseSchedule,
  planDigest,
  reconcile,
  recipientsFor,
  type ReminderDecisions,
  type ReminderPolicy,
  type WaitingMember,
} from '../domain/reminders.ts';

const S = 1_000;
const T0 = Date.parse('2026-11-30T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const waiting = (memberId: string, sinceMs: number): WaitingMember => ({ memberId, name: memberId, email: `${memberId}@acme.test`, waitingSince: at(sinceMs) });

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

/** Runs the workflow's loop on the pure rules, jumping from digest to digest, until nothing is due. */
function simulate(policy: ReminderPolicy, members: WaitingMember[]): { digests: number[]; sent: Sent[]; levels: number[] } {
  let decisions: ReminderDecisions = reconcile(noDecisions(), members);
  const digests: number[] = [];
  const sent: Sent[] = [];
  const levels: number[] = [];
  for (let now = nextDigestAt(decisions, policy); now !== undefined; now = nextDigestAt(decisions, policy)) {
    const plan = planDigest(decisions, policy, now);
    if (!plan) throw new Error(`nothing planned at its own time ${now}`);
    digests.push(now);
    levels.push(plan.level);
    for (const entry of plan.entries.filter((e) => e.advances)) sent.push({ at: now, memberId: entry.memberId, step: entry.step });
    decisions = applyDigest(decisions, plan.entries, new Date(now).toISOString());
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

  it.each(cases)('seed $seed: every member gets every step once, in order, at most a window early, and late only by the window', ({ policy, members }) => {
    const { sent } = simulate(policy, members);
    for (const member of members) {
      const mine = sent.filter((s) => s.memberId === member.memberId);
      expect(mine.map((s) => s.step)).toEqual(policy.scheduleMs.map((_, i) => i + 1));
      mine.forEach((s, i) => {
        const due = Date.parse(member.waitingSince) + policy.scheduleMs[i]!;
        const previous = i === 0 ? -Infinity : mine[i - 1]!.at;
        expect(s.at).toBeGreaterThanOrEqual(due - policy.digestWindowMs);
        // On time, unless the previous step went out less than a window before (steps closer than the window).
        expect(s.at).toBeLessThanOrEqual(Math.max(due, previous + policy.digestWindowMs));
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
    expect(digests).toHaveLength(policy.scheduleMs.length);
    for (const digest of digests) expect(sent.filter((s) => s.at === digest).map((s) => s.step)).toEqual(together.map(() => expect.any(Number)));
    for (const digest of digests) expect(new Set(sent.filter((s) => s.at === digest).map((s) => s.step)).size).toBe(1);
  });
});

describe('reminder decisions', () => {
  const policy = { scheduleMs: [3 * S, 5 * S, 7 * S], digestWindowMs: S };

  it('forgets members who stopped waiting and starts over for one who waits anew', () => {
    let decisions = reconcile(noDecisions(), [waiting('a', 0), waiting('b', 0)]);
    decisions = applyDigest(decisions, [{ memberId: 'a', step: 1, advances: true }, { memberId: 'b', step: 1, advances: true }], at(3 * S));
    const later = reconcile(decisions, [waiting('a', 0), waiting('b', 60 * S)]);
    expect(later.members).toEqual({ a: { waitingSince: at(0), step: 1 }, b: { waitingSince: at(60 * S), step: 0 } });
    expect(reconcile(later, []).members).toEqual({});
  });

  it('a digest that sent nothing starts no window but uses up its number (a crashed attempt may have mailed under it)', () => {
    const decisions = reconcile(noDecisions(), [waiting('a', 0)]);
    expect(applyDigest(decisions, [], at(3 * S))).toEqual({ ...decisions, digests: decisions.digests + 1 });
  });

  it('nothing is due once everyone is silenced', () => {
    const { sent } = simulate(policy, [waiting('a', 0)]);
    const decisions = sent.reduce(
      (d, s) => applyDigest(d, [{ memberId: s.memberId, step: s.step, advances: true }], new Date(s.at).toISOString()),
      reconcile(noDecisions(), [waiting('a', 0)]),
    );
    expect(nextDigestAt(decisions, policy)).toBeUndefined();
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

describe('reminder email', () => {
  const line = { memberId: 'id-1', name: 'Eve <script>alert(1)</script>', email: 'eve@acme.test', waitingSince: at(0), step: 1, advances: true };
  const input = { orgName: 'Acme & Co', level: 1, steps: 5, lines: [line], role: 'admin' as const, memberUrl: (id: string) => `https://sso.example/admin/members/${id}` };

  it('subjects rise in urgency with the step', () => {
    expect([1, 2, 3, 4, 5].map((level) => digestSubject(level, 5, 2, 'Acme'))).toEqual([
      '2 members of Acme waiting for site access',
      'Reminder: 2 members of Acme waiting for site access',
      'Urgent: 2 members of Acme still without site access',
      'Urgent: 2 members of Acme still without site access',
      'Final notice: 2 members of Acme still without site access',
    ]);
  });

  it('has text and HTML parts with the same content, everything escaped in HTML', () => {
    const email = digestEmail(input);
    expect(email.text).toContain('- Eve <script>alert(1)</script> <eve@acme.test>: waiting since 2026-11-30 09:00:00 UTC, reminder 1 of 5');
    expect(email.text).toContain('https://sso.example/admin/members/id-1');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Eve &#60;script&#62;alert(1)&#60;/script&#62; &#60;eve@acme.test&#62;');
    expect(email.html).toContain('Acme &#38; Co');
    expect(email.html).toContain('<a href="https://sso.example/admin/members/id-1">');
  });
});

describe('reminder outlook (the query)', () => {
  const policy = { scheduleMs: [3 * S, 5 * S], digestWindowMs: S };
  const contacts = { admins: ['boss@acme.test'], itContacts: [], adminsWithoutEmail: ['admin-2'] };

  it('gives each member the next step, its latest send time and recipients, with warnings', () => {
    const members = [waiting('a', 0), waiting('b', 10 * S)];
    const outlook = reminderOutlook(reconcile(noDecisions(), members), { policy, waiting: members, contacts });
    expect(outlook.nextDigestAt).toBe(at(3 * S));
    expect(outlook.members.map((m) => [m.memberId, m.nextStep, m.nextSendAt, m.nextRecipients])).toEqual([
      ['a', 1, at(3 * S), ['boss@acme.test']],
      ['b', 1, at(13 * S), ['boss@acme.test']],
    ]);
    expect(outlook.warnings.map((w) => w.code)).toEqual(['admin_without_email']);
  });

  it('shows nothing scheduled while nobody can be mailed', () => {
    const members = [waiting('a', 0)];
    const outlook = reminderOutlook(reconcile(noDecisions(), members), { policy, waiting: members, contacts: { admins: [], itContacts: [], adminsWithoutEmail: [] } });
    expect(outlook.nextDigestAt).toBeNull();
    expect(outlook.members[0]).toMatchObject({ nextStep: 1, nextSendAt: null });
    expect(outlook.warnings.map((w) => w.code)).toEqual(['no_recipients']);
  });
});
