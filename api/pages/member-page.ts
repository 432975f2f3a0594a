import { Hono } from 'hono';
import { html } from 'hono/html';
import { memberTimeline, type TimelineEntry } from '../../db/audit.ts';
import type { Sql } from '../../db/client.ts';
import { findMember, type FoundMember } from '../../db/member-queries.ts';
import { listOrgSites, type OrgSite } from '../../db/org-sites.ts';
import { MAX_REASON_LENGTH } from '../../domain/lifecycle.ts';
import { MemberNotFoundError } from '../../domain/member-errors.ts';
import type { MemberReminderOutlook } from '../../domain/reminder-outlook.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { memberParam } from '../routes/members.ts';
import { memberReminders } from '../site-access-status.ts';
import { validate } from '../validate.ts';
import { chromeOf } from './form-token.ts';
import { layout, tokenField, when, type Chrome } from './layout.ts';

const nameOf = async (sql: Sql, memberId: string) => {
  const [row]: [{ name: string; email: string }?] = await sql`select name, email from members where id = ${memberId}`;
  return row ? row.name || row.email : 'a former admin';
};

/** The effective status, its reason (directory or an admin: who, when, why), and the decisions an admin can take. */
async function statusSection(sql: Sql, chrome: Chrome, { member, statusDecision: d }: FoundMember) {
  const o = d.override;
  const reason = o
    ? html`Decided by ${await nameOf(sql, o.by)} (manual) on ${when(o.at)}${o.reason ? html`: “${o.reason}”` : ' (no reason given)'}.`
    : html`Follows the directory (directory status: ${d.directoryStatus === 'none' ? 'not in a directory' : d.directoryStatus}).`;
  const action = (decision: string, label: string) => html`<form method="post" action="/admin/members/${member.id}/${decision}">
    ${tokenField(chrome)}
    ${decision === 'follow-directory' ? '' : html`<label>Reason (optional) <input type="text" name="reason" maxlength="${MAX_REASON_LENGTH}" /></label>`}
    <button type="submit">${label}</button>
  </form>`;
  return html`<section aria-labelledby="status"><h2 id="status">Status: ${d.status}</h2>
    <p>${reason}</p>
    ${d.status === 'active' ? action('disable', 'Disable') : action('enable', 'Enable')}
    ${o ? action('follow-directory', 'Follow the directory') : ''}
  </section>`;
}

function roleSection(chrome: Chrome, { member }: FoundMember) {
  return html`<section aria-labelledby="role"><h2 id="role">Org role</h2>
    <form method="post" action="/admin/members/${member.id}/role">
      ${tokenField(chrome)}
      <div class="fields">
        <label>Org role <select name="orgRole">
          <option value="member" ${member.orgRole === 'member' ? 'selected' : ''}>Member</option>
          <option value="org_admin" ${member.orgRole === 'org_admin' ? 'selected' : ''}>Org admin</option>
        </select></label>
        <button type="submit">Change role</button>
      </div>
    </form>
  </section>`;
}

function sitesSection(chrome: Chrome, { member, sites }: FoundMember, orgSites: OrgSite[]) {
  const role = (r: string) => r.replace('_', ' ');
  return html`<section aria-labelledby="sites"><h2 id="sites">Sites</h2>
    ${sites.length
      ? html`<ul>${sites.map((s) => html`<li>${s.name} (${role(s.role)})
          <form method="post" action="/admin/members/${member.id}/sites/${s.id}/remove" class="inline">${tokenField(chrome)}<button type="submit" class="secondary" aria-label="Remove from ${s.name}">Remove</button></form></li>`)}</ul>`
      : html`<p>${member.orgRole === 'org_admin' ? 'No assignments (as an org admin, they reach every site).' : 'No site yet.'}</p>`}
    ${orgSites.length
      ? html`<form method="post" action="/admin/members/${member.id}/sites">
          ${tokenField(chrome)}
          <div class="fields">
            <label>Site <select name="siteId">${orgSites.map((s) => html`<option value="${s.id}">${s.name}</option>`)}</select></label>
            <label>Site role <select name="role"><option value="site_member">Site member</option><option value="site_admin">Site admin</option></select></label>
            <button type="submit">Assign site</button>
          </div>
        </form>`
      : html`<p>Your organisation has no sites yet; the operator creates them.</p>`}
  </section>`;
}

function remindersSection(r: MemberReminderOutlook | null) {
  const body = !r
    ? html`<p>Not waiting for site access: no reminders.</p>`
    : html`<p>Reminders sent about this member: ${r.remindersSent}.</p>
        <p>${r.nextStep === null ? 'The final notice went out; no more reminders.' : r.nextSendAt ? `Next reminder (step ${r.nextStep}) by ${when(r.nextSendAt)} to ${r.nextRecipients.join(', ')}.` : 'Nobody can be mailed a reminder right now.'}</p>
        ${r.warnings.length ? html`<p>Warnings: ${r.warnings.join(', ')}</p>` : ''}`;
  return html`<section aria-labelledby="reminders"><h2 id="reminders">Reminders</h2>${body}</section>`;
}

/** An event's data as `key: value` pairs, for people (the audit log itself keeps the JSON). */
const details = (data: Record<string, unknown>) =>
  Object.entries(data)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');

function timelineSection(entries: TimelineEntry[]) {
  return html`<section aria-labelledby="timeline"><h2 id="timeline">Timeline</h2>
    <div class="table" tabindex="0" role="region" aria-label="Timeline"><table>
      <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">By</th><th scope="col">Details</th></tr></thead>
      <tbody>${entries.map((e) => html`<tr><td>${when(e.at)}</td><td>${e.type}</td><td>${e.actorName ?? e.actor}</td><td>${details(e.data)}</td></tr>`)}</tbody>
    </table></div>
  </section>`;
}

/** One member, as the reminder emails link to it (`/admin/members/{id}`), inside the admin's own organisation. */
export function memberPage({ sql, config }: AppDeps) {
  return new Hono<AppEnv>().get('/:id', validate('param', memberParam), async (c) => {
    const chrome = chromeOf(c, config);
    const { orgId } = chrome.member;
    const found = await findMember(sql, orgId, c.req.valid('param').id);
    if (!found) throw new MemberNotFoundError();
    const { member } = found;
    const body = html`<h1>${member.name || member.email}</h1>
      <dl><dt>Email</dt><dd>${member.email}</dd><dt>Source</dt><dd>${member.source}</dd><dt>Joined</dt><dd>${when(member.createdAt)}</dd></dl>
      ${statusSection(sql, chrome, found)}
      ${sitesSection(chrome, found, await listOrgSites(sql, orgId))}
      ${roleSection(chrome, found)}
      ${remindersSection(await memberReminders(sql, config.reminders, orgId, member.id))}
      ${timelineSection(await memberTimeline(sql, orgId, member.id))}`;
    return layout(c, 200, `${member.name || member.email}: member`, body, chrome);
  });
}
