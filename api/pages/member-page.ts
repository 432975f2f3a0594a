import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { Sql } from '../../db/client.ts';
import { findMember, type FoundMember } from '../../db/member-queries.ts';
import { listOrgSites, type OrgSite } from '../../db/org-sites.ts';
import { memberSiteSources, type SiteSource } from '../../db/site-sources.ts';
import { MAX_REASON_LENGTH } from '../../domain/lifecycle.ts';
import { MemberNotFoundError } from '../../domain/member-errors.ts';
import { displayName, siteRoleWords, sourceWords } from '../../domain/member-words.ts';
import type { MemberReminderOutlook } from '../../domain/reminder-outlook.ts';
import { explainStatus } from '../../domain/status-explanation.ts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps, AppEnv } from '../context.ts';
import { memberParam } from '../routes/members.ts';
import { memberReminders } from '../site-access-status.ts';
import { validate } from '../validate.ts';
import { chromeOf } from './form-token.ts';
import { layout, tokenField, when, type Chrome } from './layout.ts';
import { memberTimelineSection } from './member-timeline.ts';
import { canHandBack, siteSourceWords } from './site-source-words.ts';

/** The member page's forms, each named by the last segment of the path it posts to. */
export type MemberForm = 'sites' | 'remove' | 'hand-back' | 'role' | 'enable' | 'follow-directory' | 'disable';

/** A form the server refused: shown again with what was typed and the reason beside it. */
export interface Refusal {
  form: MemberForm;
  values: Record<string, string>;
  message: string;
}

const errorOf = (refusal: Refusal | undefined, form: MemberForm) =>
  refusal?.form === form ? html`<p class="error" id="${form}-error" role="alert">${refusal.message}</p>` : '';
const describedBy = (refusal: Refusal | undefined, form: MemberForm) => (refusal?.form === form ? html`aria-describedby="${form}-error" aria-invalid="true"` : '');
const typed = (refusal: Refusal | undefined, form: MemberForm, field: string) => (refusal?.form === form ? refusal.values[field] : undefined);

const adminName = async (sql: Sql, memberId: string) => {
  const [row]: [{ name: string; email: string }?] = await sql`select name, email from members where id = ${memberId}`;
  return row ? displayName(row) : null;
};

const reasonField = (refusal: Refusal | undefined, form: MemberForm) =>
  html`<label>Reason (optional) <input type="text" name="reason" maxlength="${MAX_REASON_LENGTH}" value="${typed(refusal, form, 'reason') ?? ''}" ${describedBy(refusal, form)} /></label>`;

/** The status in one sentence, and each decision with what it will do written beside its button. */
async function statusSection(sql: Sql, chrome: Chrome, { member, statusDecision: d }: FoundMember, refusal?: Refusal) {
  const { summary, consequences } = explainStatus(d, d.override ? await adminName(sql, d.override.by) : null);
  const decision = (form: 'enable' | 'follow-directory', label: string, consequence: string) => html`<form method="post" action="/admin/members/${member.id}/${form}">
    ${tokenField(chrome)}
    <p>${consequence}</p>
    ${errorOf(refusal, form)}
    <div class="fields">${form === 'enable' ? reasonField(refusal, form) : ''}<button type="submit" class="secondary">${label}</button></div>
  </form>`;
  return html`<section aria-labelledby="status"><h2 id="status">Status: ${d.status}</h2>
    <p>${summary}${d.override ? html` Decided ${when(d.override.at)}.` : ''}</p>
    ${consequences.enable ? decision('enable', `Enable ${displayName(member)}`, consequences.enable) : ''}
    ${consequences.follow_directory ? decision('follow-directory', 'Follow the directory', consequences.follow_directory) : ''}
    ${consequences.disable ? html`<p><a href="/admin/members/${member.id}/disable" class="button secondary">Disable ${displayName(member)}…</a></p>` : ''}
  </section>`;
}

function roleSection(chrome: Chrome, { member }: FoundMember, refusal?: Refusal) {
  const selected = typed(refusal, 'role', 'orgRole') ?? member.orgRole;
  return html`<section aria-labelledby="role"><h2 id="role">Org role</h2>
    <form method="post" action="/admin/members/${member.id}/role">
      ${tokenField(chrome)}
      ${errorOf(refusal, 'role')}
      <div class="fields">
        <label>Org role <select name="orgRole" ${describedBy(refusal, 'role')}>
          <option value="member" ${selected === 'member' ? 'selected' : ''}>Member</option>
          <option value="org_admin" ${selected === 'org_admin' ? 'selected' : ''}>Org admin (reaches every site)</option>
        </select></label>
        <button type="submit" class="secondary">Change role</button>
      </div>
    </form>
  </section>`;
}

function assignForm(chrome: Chrome, { member }: FoundMember, orgSites: OrgSite[], refusal?: Refusal) {
  if (!orgSites.length) return html`<p>Your organisation has no sites yet; the operator creates them.</p>`;
  const site = typed(refusal, 'sites', 'siteId');
  const role = typed(refusal, 'sites', 'role');
  return html`<form method="post" action="/admin/members/${member.id}/sites">
    ${tokenField(chrome)}
    ${errorOf(refusal, 'sites')}
    <div class="fields">
      <label>Site <select name="siteId" ${describedBy(refusal, 'sites')}>${orgSites.map((s) => html`<option value="${s.id}" ${site === s.id ? 'selected' : ''}>${s.name}</option>`)}</select></label>
      <label>Site role <select name="role">${Object.entries(siteRoleWords).map(([value, label]) => html`<option value="${value}" ${role === value ? 'selected' : ''}>${label[0]!.toUpperCase()}${label.slice(1)}</option>`)}</select></label>
      <button type="submit">Assign site</button>
    </div>
  </form>`;
}

/** One site line: the site, the member's role there, where it comes from, and what the admin can do about it. */
function siteLine(chrome: Chrome, { member }: FoundMember, source: SiteSource) {
  const { site, role } = source;
  const name = displayName(member);
  const words = siteSourceWords(source);
  const active = member.status !== 'disabled';
  const action = (path: string, label: string, ariaLabel: string) =>
    html` <form method="post" action="/admin/members/${member.id}/sites/${site.id}/${path}" class="inline">${tokenField(chrome)}<button type="submit" class="secondary" aria-label="${ariaLabel}">${label}</button></form>`;
  return html`<li>${site.name} (${role ? siteRoleWords[role] : 'no access'})${words ? `: ${words}` : ''}${active && role ? action('remove', 'Remove', `Remove ${name} from ${site.name}`) : ''}${active && canHandBack(source) ? action('hand-back', 'Hand back to group rules', `Hand back to group rules: ${site.name}`) : ''}</li>`;
}

/** First on the page: the reminder that brought the admin here is about sites. */
function sitesSection(chrome: Chrome, found: FoundMember, sources: SiteSource[], orgSites: OrgSite[], refusal?: Refusal) {
  const { member, sites } = found;
  const name = displayName(member);
  const disabled = member.status === 'disabled';
  return html`<section aria-labelledby="sites"><h2 id="sites">Sites</h2>
    ${errorOf(refusal, 'remove')}
    ${errorOf(refusal, 'hand-back')}
    ${sites.length ? '' : html`<p>${member.orgRole === 'org_admin' ? 'No assignments: as an org admin, they reach every site.' : `${name} has no site yet and sees no site content.`}</p>`}
    ${sources.length ? html`<ul>${sources.map((s) => siteLine(chrome, found, s))}</ul>` : ''}
    ${disabled
      ? html`<p>Sites cannot be changed while ${name} is disabled: their assignments are kept as they are for when they are enabled again (see Status below).</p>`
      : assignForm(chrome, found, orgSites, refusal)}
  </section>`;
}

function remindersSection(r: MemberReminderOutlook | null) {
  const body = !r
    ? html`<p>Not waiting for site access: no reminders.</p>`
    : html`<p>Reminders sent about this member: ${r.remindersSent}.</p>
        <p>${r.nextStep === null ? 'The final notice went out; no more reminders.' : r.nextSendAt ? html`Next reminder (step ${r.nextStep}) ${when(r.nextSendAt)} to ${r.nextRecipients.join(', ')}.` : 'Nobody can be mailed a reminder right now.'}</p>
        ${r.warnings.length ? html`<p>Warnings: ${r.warnings.join(', ')}</p>` : ''}`;
  return html`<section aria-labelledby="reminders"><h2 id="reminders">Reminders</h2>${body}</section>`;
}

/** The heading and the facts under it; the email once, even for a member who has no name. */
function summarySection({ member }: FoundMember) {
  return html`<h1>${displayName(member)}</h1>
    <dl>${member.name.trim() ? html`<dt>Email</dt><dd>${member.email}</dd>` : ''}<dt>How they joined</dt><dd>${sourceWords[member.source]}</dd><dt>Joined</dt><dd>${when(member.createdAt)}</dd></dl>`;
}

async function memberOrNotFound(sql: Sql, orgId: string, id: string) {
  const found = await findMember(sql, orgId, id);
  if (!found) throw new MemberNotFoundError();
  return found;
}

/** The member page, also shown again (with `status` 4xx) when one of its forms was refused. */
export async function renderMemberPage({ sql, config }: AppDeps, c: Context<AppEnv>, id: string, status: ContentfulStatusCode = 200, refusal?: Refusal) {
  const chrome = chromeOf(c, config);
  const { orgId } = chrome.member;
  const found = await memberOrNotFound(sql, orgId, id);
  const { member } = found;
  const body = html`${summarySection(found)}
    ${sitesSection(chrome, found, await memberSiteSources(sql, orgId, member.id), await listOrgSites(sql, orgId), refusal)}
    ${remindersSection(await memberReminders(sql, config.reminders, orgId, member.id))}
    ${statusSection(sql, chrome, found, refusal)}
    ${roleSection(chrome, found, refusal)}
    ${memberTimelineSection(sql, chrome.member, member.id)}`;
  return layout(c, status, `${displayName(member)}: member`, body, chrome);
}

/** The confirmation step before a disable (a page of its own: it works without JavaScript). */
export async function renderDisableConfirmation({ sql, config }: AppDeps, c: Context<AppEnv>, id: string, status: ContentfulStatusCode = 200, refusal?: Refusal) {
  const chrome = chromeOf(c, config);
  const found = await memberOrNotFound(sql, chrome.member.orgId, id);
  const { member, statusDecision } = found;
  const name = displayName(member);
  const { consequences } = explainStatus(statusDecision, null);
  const body = consequences.disable
    ? html`<h1>Disable ${name}?</h1>
      <p>${consequences.disable}</p>
      <form method="post" action="/admin/members/${member.id}/disable">
        ${tokenField(chrome)}
        ${errorOf(refusal, 'disable')}
        <div class="fields">${reasonField(refusal, 'disable')}<button type="submit">Disable ${name}</button></div>
      </form>
      <p><a href="/admin/members/${member.id}">Cancel and go back to ${name}</a></p>`
    : html`<h1>${name} is already disabled</h1><p><a href="/admin/members/${member.id}">Back to ${name}</a></p>`;
  return layout(c, status, `Disable ${name}?`, body, chrome);
}

/** One member, as the reminder emails link to it (`/admin/members/{id}`), inside the admin's own organisation. */
export function memberPage(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/:id', validate('param', memberParam), (c) => renderMemberPage(deps, c, c.req.valid('param').id))
    .get('/:id/disable', validate('param', memberParam), (c) => renderDisableConfirmation(deps, c, c.req.valid('param').id));
}
