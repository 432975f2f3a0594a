/**
 * The reminder digest as an email: a subject per step, one call to action, text and HTML parts
 * saying the same. Org admins get links into the admin pages; IT contacts, who cannot open those
 * pages, get the same list without links and a paragraph on what they can do instead.
 */
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
  /** The org admins' addresses, named to IT contacts as the people who can assign sites. */
  admins: string[];
  /** Admin pages built from PUBLIC_URL: a member's, and the waiting list where sites are assigned in bulk. */
  links: { member: (memberId: string) => string; waitingList: string };
}

/** Members named in one email; a digest about more says how many more are on the waiting list. */
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

const isFinal = (line: DigestLine, steps: number) => line.advances && line.step >= steps;

/**
 * One subject per step, so a reader tells the steps apart in the inbox. "Final notice" leads only
 * when the digest is the last reminder about everyone it names; a final digest that also lists
 * members with reminders to come says it includes one.
 */
export function digestSubject(level: number, steps: number, lines: DigestLine[], orgName: string): string {
  const who = `${members(lines.length)} of ${orgName}`;
  if (level >= steps && lines.every((line) => isFinal(line, steps))) return `Final notice: ${who} still without site access`;
  if (level >= steps) return `Urgent, includes a final notice: ${who} still without site access`;
  if (level >= ESCALATION_STEP) return `Urgent, reminder ${level} of ${steps}: ${who} still without site access`;
  if (level >= 2) return `Reminder ${level} of ${steps}: ${who} waiting for site access`;
  return `${who} waiting for site access`;
}

function intro({ level, steps, orgName }: DigestEmailInput): string {
  if (level >= steps) return `Final notice: these members of ${orgName} still cannot see any site. This is the last reminder about the members marked "final notice".`;
  if (level >= ESCALATION_STEP) return `Action needed: these members of ${orgName} have been waiting for site access for a long time.`;
  if (level === 2) return `Still waiting: these members of ${orgName} have no site access yet.`;
  return `These members of ${orgName} have signed in but cannot see any site until an org admin assigns them one.`;
}

function stepLabel(line: DigestLine, steps: number): string {
  if (line.advances) return `reminder ${line.step} of ${steps}${line.step >= steps ? ' (final notice)' : ''}`;
  return line.step === 0 ? 'new, not reminded yet' : `reminder ${line.step} of ${steps} sent earlier`;
}

const isAdmin = (role: RecipientRole) => role === 'admin';

/** The call to action: org admins assign sites from the waiting list; IT contacts are told what they can do. */
function action(input: DigestEmailInput): string {
  const { orgName, role, admins } = input;
  if (isAdmin(role)) return `Assign sites to everyone waiting in one go, or open a member below. Assigning a site to a member stops the reminders about them.`;
  const removal = `If someone listed should not have an account at all and ${orgName} syncs its directory with this service (SCIM), removing them from the directory disables them, which also stops the reminders about them.`;
  if (role === 'it_contact_no_admin') {
    return `${orgName} has no org admin with an email address yet, so nobody can assign these members a site and these reminders come to you. Please have someone named org admin of ${orgName} by whoever runs this service for you; from then on the reminders go to them. ${removal}`;
  }
  return `Only org admins can assign sites, in admin pages you cannot open as an IT contact. Please ask one of ${orgName}'s org admins (${admins.join(', ')}) to assign these members a site. ${removal}`;
}

const BUTTON_LABEL = 'Assign sites on the waiting list';

const footers: Record<RecipientRole, (orgName: string) => string> = {
  admin: (org) => `You receive this as an org admin of ${org}.`,
  it_contact_escalation: (org) => `You are copied as an IT contact of ${org} because these reminders to its org admins have not helped yet.`,
  it_contact_no_admin: (org) => `You receive this as an IT contact of ${org}, which has no org admin with an email address yet.`,
};

interface Line {
  who: string;
  detail: string;
  /** The member's admin page, for org admins only. */
  url?: string;
}

function memberLines(input: DigestEmailInput): Line[] {
  return input.lines.slice(0, MAX_DIGEST_LINES).map((line) => ({
    who: line.name ? `${line.name} <${line.email}>` : line.email,
    detail: `waiting since ${formatUtc(line.waitingSince)}, ${stepLabel(line, input.steps)}`,
    ...(isAdmin(input.role) ? { url: input.links.member(line.memberId) } : {}),
  }));
}

function moreLine(input: DigestEmailInput): string | undefined {
  const more = input.lines.length - MAX_DIGEST_LINES;
  if (more <= 0) return undefined;
  return isAdmin(input.role) ? `...and ${members(more)} more, all on the waiting list.` : `...and ${members(more)} more.`;
}

function textPart(input: DigestEmailInput, lines: Line[], more: string | undefined, footer: string): string {
  const cta = isAdmin(input.role) ? [`${BUTTON_LABEL}:`, input.links.waitingList, ''] : [];
  return [
    intro(input),
    '',
    ...cta,
    action(input),
    '',
    ...lines.flatMap(({ who, detail, url }) => [`- ${who}: ${detail}`, ...(url ? [`  ${url}`] : [])]),
    ...(more ? [more] : []),
    '',
    footer,
  ].join('\n');
}

const BUTTON_STYLE = 'display:inline-block;padding:10px 18px;background:#1f4fd1;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold';

function htmlPart(input: DigestEmailInput, lines: Line[], more: string | undefined, footer: string): string {
  const button = isAdmin(input.role)
    ? `<p><a href="${escapeHtml(input.links.waitingList)}" style="${BUTTON_STYLE}">${escapeHtml(BUTTON_LABEL)}</a></p>`
    : '';
  const items = lines.map(({ who, detail, url }) => `<li>${url ? `<a href="${escapeHtml(url)}">${escapeHtml(who)}</a>` : escapeHtml(who)}: ${escapeHtml(detail)}</li>`);
  const moreHtml = more ? `<p>${escapeHtml(more)}</p>` : '';
  const body = `<p>${escapeHtml(intro(input))}</p>${button}<p>${escapeHtml(action(input))}</p><ul>${items.join('')}</ul>${moreHtml}<p>${escapeHtml(footer)}</p>`;
  return `<!doctype html><html><body>${body}</body></html>`;
}

export function digestEmail(input: DigestEmailInput): EmailContent {
  const lines = memberLines(input);
  const footer = footers[input.role](input.orgName);
  const more = moreLine(input);
  return {
    subject: digestSubject(input.level, input.steps, input.lines, input.orgName),
    text: textPart(input, lines, more, footer),
    html: htmlPart(input, lines, more, footer),
  };
}
