import { describe, expect, it } from 'vitest';
import { digestEmail, digestSubject, MAX_DIGEST_LINES, type DigestEmailInput, type DigestLine } from '../domain/reminder-email.ts';
import type { RecipientRole } from '../domain/reminders.ts';

const STEPS = 5;
const ROLES: RecipientRole[] = ['admin', 'it_contact_escalation', 'it_contact_no_admin'];
const WAITING_LIST = 'https://sso.example/admin/members?siteAccess=none';
const links = { member: (id: string) => `https://sso.example/admin/members/${id}`, waitingList: WAITING_LIST };

const line = (memberId: string, step: number, advances = true): DigestLine => ({
  memberId,
  name: `Eve "${memberId}" <script>alert(1)</script>`,
  email: `${memberId}@acme.test`,
  waitingSince: '2026-11-30T09:00:00.000Z',
  step,
  advances,
});

function input(level: number, role: RecipientRole, lines = [line('m1', level)]): DigestEmailInput {
  const admins = role === 'it_contact_no_admin' ? [] : ['boss@acme.test', 'o\'neil<&>@acme.test'];
  return { orgName: 'Acme & <Co>', level, steps: STEPS, lines, role, admins, links };
}

const decode = (s: string) => s.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
/** The HTML part as a reader sees it: its paragraphs and list items as lines of text. */
const visibleText = (html: string) =>
  decode(html.replace(/<\/(p|li)>/g, '\n').replace(/<[^>]*>/g, ''))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => decode(m[1]!));
const urls = (text: string) => text.match(/https?:\/\/\S+/g) ?? [];

describe('reminder email subjects', () => {
  it('each step has its own subject, rising in urgency; "Final notice" on the last step only', () => {
    const subjects = [1, 2, 3, 4, 5].map((level) => digestSubject(level, STEPS, [line('a', level), line('b', level)], 'Acme'));
    expect(subjects).toEqual([
      '2 members of Acme waiting for site access',
      'Reminder 2 of 5: 2 members of Acme waiting for site access',
      'Urgent, reminder 3 of 5: 2 members of Acme still without site access',
      'Urgent, reminder 4 of 5: 2 members of Acme still without site access',
      'Final notice: 2 members of Acme still without site access',
    ]);
    expect(new Set(subjects).size).toBe(STEPS);
  });

  it('a final digest that also names members with reminders still to come says it includes a final notice', () => {
    const mixed = [line('last', 5), line('newer', 2), line('new', 0, false)];
    expect(digestSubject(5, STEPS, mixed, 'Acme')).toBe('Urgent, includes a final notice: 3 members of Acme still without site access');
    expect(digestEmail(input(5, 'admin', mixed)).subject).toBe('Urgent, includes a final notice: 3 members of Acme & <Co> still without site access');
  });

  it('a schedule shorter than the escalation step still ends on a final notice', () => {
    expect(digestSubject(2, 2, [line('a', 2)], 'Acme')).toBe('Final notice: 1 member of Acme still without site access');
  });
});

describe('reminder email bodies, every step and every recipient role', () => {
  const cases = [1, 2, 3, 4, 5].flatMap((level) => ROLES.map((role) => ({ level, role })));

  it.each(cases)('step $level to $role: the text and HTML parts say the same, every value escaped in HTML', ({ level, role }) => {
    const email = digestEmail(input(level, role, [line('m1', level), line('m2', 0, false)]));
    const textLines = email.text.split('\n').map((l) => l.trim()).filter((l) => l && !/^https?:/.test(l));
    expect(visibleText(email.html)).toEqual(textLines.map((l) => l.replace(/^- /, '').replace(/:$/, '')));
    expect(hrefs(email.html)).toEqual(urls(email.text));
    expect(email.html).not.toMatch(/<script|<Co>|<&>|"m1"/);
    expect(email.text).toContain('Eve "m1" <script>alert(1)</script> <m1@acme.test>: waiting since 2026-11-30 09:00:00 UTC');
  });

  it.each([1, 2, 3, 4, 5])('step %i to an org admin: one button to the waiting list first, then each member', (level) => {
    const email = digestEmail(input(level, 'admin', [line('m1', level), line('m2', 0, false)]));
    expect(urls(email.text)).toEqual([WAITING_LIST, links.member('m1'), links.member('m2')]);
    expect(email.html.match(/<a [^>]*style=/g)).toHaveLength(1);
    expect(email.html).toMatch(/<a href="https:\/\/sso.example\/admin\/members\?siteAccess=none" style="[^"]+">Assign sites on the waiting list<\/a>/);
    expect(email.text).toContain('You receive this as an org admin of Acme & <Co>.');
  });

  it.each([3, 4, 5])('step %i to an IT contact copied on the escalation: no admin link, the admins to ask instead', (level) => {
    const email = digestEmail(input(level, 'it_contact_escalation'));
    expect(urls(email.text)).toEqual([]);
    expect(email.html).not.toContain('href');
    expect(email.html).not.toContain('/admin/');
    expect(email.text).toContain("Please ask one of Acme & <Co>'s org admins (boss@acme.test, o'neil<&>@acme.test) to assign these members a site.");
    expect(email.text).toContain('removing them from the directory');
    expect(email.text).toContain('You are copied as an IT contact of Acme & <Co> because these reminders to its org admins have not helped yet.');
  });

  it.each([1, 2, 3, 4, 5])('step %i to an IT contact of an org without an admin: no admin link, asked to have an admin named', (level) => {
    const email = digestEmail(input(level, 'it_contact_no_admin'));
    expect(urls(email.text)).toEqual([]);
    expect(email.html).not.toContain('href');
    expect(email.text).toContain('Please have someone named org admin of Acme & <Co>');
  });

  it('marks the final notice per member and says which members are new', () => {
    const email = digestEmail(input(5, 'admin', [line('last', 5), line('new', 0, false), line('old', 2, false)]));
    expect(email.text).toContain('reminder 5 of 5 (final notice)');
    expect(email.text).toContain('new, not reminded yet');
    expect(email.text).toContain('reminder 2 of 5 sent earlier');
  });

  it(`names at most ${MAX_DIGEST_LINES} members and points to the waiting list for the rest`, () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => line(`id-${i}`, 1));
    const email = digestEmail(input(1, 'admin', lines));
    expect(email.subject).toBe('10000 members of Acme & <Co> waiting for site access');
    expect(email.text.match(/^- /gm)).toHaveLength(MAX_DIGEST_LINES);
    expect(email.text).toContain(`...and ${10_000 - MAX_DIGEST_LINES} members more, all on the waiting list.`);
    expect(urls(email.text)[0]).toBe(WAITING_LIST);
    expect(email.text.length).toBeLessThan(12_000);
    const it = digestEmail(input(3, 'it_contact_escalation', lines));
    expect(it.text).toContain(`...and ${10_000 - MAX_DIGEST_LINES} members more.`);
  });
});
