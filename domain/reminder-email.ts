/** The reminder digest as an email: subject rising in urgency, text and HTML parts with the same content. */
import { ESCALATION_STEP, type DigestEntry, type RecipientRole, type WaitingMember } from './reminders.ts';

export type DigestLine = WaitingMember & DigestEntry;

export interface DigestEmailInput {
  orgName: string;
  /** The digest's highest step sent (see digestLevel). */
  level: number;
  /** Steps in the schedule; the last is the final notice. */
  steps: number;
  /** Everyone the digest is about, most urgent first: the email names the first MAX_DIGEST_LINES. */
  lines: DigestLine[];
  role: RecipientRole;
  /** Admin pages built from PUBLIC_URL: a member's, and the list of everyone waiting. */
  links: { member: (memberId: string) => string; waitingList: string };
}

/** Members named in one email; a digest about more says how many more and links to the full list. */
export const MAX_DIGEST_LINES = 50;

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** `2026-11-29 15:04:05 UTC`: the same for every reader, whatever their time zone. */
export const formatUtc = (iso: string): string => `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const members = (n: number) => (n === 1 ? '1 member' : `${n} members`);

export function digestSubject(level: number, steps: number, count: number, orgName: string): string {
  const who = `${members(count)} of ${orgName}`;
  if (level >= steps) return `Final notice: ${who} still without site access`;
  if (level >= ESCALATION_STEP) return `Urgent: ${who} still without site access`;
  if (level === 2) return `Reminder: ${who} waiting for site access`;
  return `${who} waiting for site access`;
}

function intro({ level, steps, orgName }: DigestEmailInput): string {
  if (level >= steps) {
    return `Final notice: these members of ${orgName} still cannot see any site. This is the last reminder about the members marked "final notice".`;
  }
  if (level >= ESCALATION_STEP) return `Action needed: these members of ${orgName} have been waiting for site access for a long time. Please assign them a site now.`;
  if (level === 2) return `Still waiting: these members of ${orgName} have no site access yet. Please assign each of them a site.`;
  return `These members of ${orgName} have signed in but cannot see any site until an org admin assigns them one.`;
}

function stepLabel(line: DigestLine, steps: number): string {
  if (line.advances) return `reminder ${line.step} of ${steps}${line.step >= steps ? ' (final notice)' : ''}`;
  return line.step === 0 ? 'new, not reminded yet' : `reminder ${line.step} of ${steps} sent earlier`;
}

const footers: Record<RecipientRole, (orgName: string) => string> = {
  admin: (org) => `You receive this as an org admin of ${org}. Assigning a site to a member stops the reminders about them.`,
  it_contact_escalation: (org) => `You are copied as an IT contact of ${org} because these reminders to its org admins have not helped yet.`,
  it_contact_no_admin: (org) => `You receive this as an IT contact of ${org}, which has no org admin with an email address yet. Please have one named.`,
};

function memberLines(input: DigestEmailInput) {
  return input.lines.slice(0, MAX_DIGEST_LINES).map((line) => ({
    who: line.name ? `${line.name} <${line.email}>` : line.email,
    detail: `waiting since ${formatUtc(line.waitingSince)}, ${stepLabel(line, input.steps)}`,
    url: input.links.member(line.memberId),
  }));
}

function moreLine(input: DigestEmailInput): string | undefined {
  const more = input.lines.length - MAX_DIGEST_LINES;
  return more > 0 ? `...and ${members(more)} more waiting for site access: ${input.links.waitingList}` : undefined;
}

export function digestEmail(input: DigestEmailInput): EmailContent {
  const lines = memberLines(input);
  const footer = footers[input.role](input.orgName);
  const more = moreLine(input);
  const text = [
    intro(input),
    '',
    ...lines.flatMap(({ who, detail, url }) => [`- ${who}: ${detail}`, `  ${url}`]),
    ...(more ? [more] : []),
    '',
    footer,
  ].join('\n');
  const items = lines.map(({ who, detail, url }) => `<li><a href="${escapeHtml(url)}">${escapeHtml(who)}</a>: ${escapeHtml(detail)}</li>`);
  const moreHtml = more ? `<p><a href="${escapeHtml(input.links.waitingList)}">${escapeHtml(more)}</a></p>` : '';
  const html = `<!doctype html><html><body><p>${escapeHtml(intro(input))}</p><ul>${items.join('')}</ul>${moreHtml}<p>${escapeHtml(footer)}</p></body></html>`;
  return { subject: digestSubject(input.level, input.steps, input.lines.length, input.orgName), text, html };
}
