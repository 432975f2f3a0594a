import { Hono } from 'hono';
import { html } from 'hono/html';
import type { SessionMember } from '../../auth/sessions.ts';
import type { Sql } from '../../db/client.ts';
import { listOrgSites } from '../../db/org-sites.ts';
import { listAnnouncements, listBookings, listVisitors } from '../../db/site-content.ts';
import { memberSites } from '../../db/site-assignments.ts';
import { displayName } from '../../domain/member-words.ts';
import { canReadSite, effectiveSiteRole } from '../../domain/site-access.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { memberReminders, siteAccessStatus } from '../site-access-status.ts';
import { chromeOf } from './form-token.ts';
import { layout, when } from './layout.ts';

interface ReadableSite {
  id: string;
  name: string;
  role: string;
}

/** The sites whose content the member reads, by the same rule as /api/sites (org admins reach every site). */
async function readableSites(sql: Sql, member: SessionMember): Promise<ReadableSite[]> {
  const own = await memberSites(sql, member.memberId);
  const assigned = new Map(own.map((s) => [s.id, s.role]));
  const candidates = member.orgRole === 'org_admin' ? await listOrgSites(sql, member.orgId) : own;
  return candidates.flatMap((site) => {
    const standing = { orgRole: member.orgRole, assignedRole: assigned.get(site.id) };
    const role = effectiveSiteRole(standing);
    return canReadSite(standing) && role ? [{ id: site.id, name: site.name, role: role.replace('_', ' ') }] : [];
  });
}

async function siteSection(sql: Sql, site: ReadableSite) {
  const [announcements, bookings, visitors] = await Promise.all([listAnnouncements(sql, site.id), listBookings(sql, site.id), listVisitors(sql, site.id)]);
  const none = (what: string) => html`<p>No ${what}.</p>`;
  return html`<section aria-labelledby="site-${site.id}">
    <h2 id="site-${site.id}">${site.name} <small>(${site.role})</small></h2>
    <h3>Announcements</h3>
    ${announcements.length
      ? html`<ul>${announcements.map((a) => html`<li><strong>${a.title}</strong> — ${a.body} <small>(${a.authorName ?? 'someone'}, ${when(a.createdAt)})</small></li>`)}</ul>`
      : none('announcements')}
    <h3>Bookings</h3>
    ${bookings.length
      ? html`<ul>${bookings.map((b) => html`<li>${b.resource}: ${b.bookedBy}, ${when(b.startsAt)} to ${when(b.endsAt)}</li>`)}</ul>`
      : none('bookings')}
    <h3>Visitors</h3>
    ${visitors.length
      ? html`<ul>${visitors.map((v) => html`<li>${v.name}${v.company ? ` (${v.company})` : ''}, host ${v.host}, expected ${when(v.expectedAt)}</li>`)}</ul>`
      : none('visitors')}
  </section>`;
}

/** No site yet: what the admins were told and when, read from what the reminders recorded (as /api/me). */
async function waitingNotice({ sql, config }: AppDeps, member: SessionMember) {
  const status = await siteAccessStatus(sql, config, member);
  const reminders = await memberReminders(sql, config.reminders, member.orgId, member.memberId);
  const notified = status?.siteAccess.adminsNotifiedAt;
  const by = status?.siteAccess.adminsNotifiedBy;
  // Before the first reminder, "will be notified by" already names the next send: said once.
  const next = notified && reminders?.nextSendAt ? html` The next reminder goes to them by ${when(reminders.nextSendAt)}.` : '';
  return html`<div class="notice" role="status">
    <h2>You don't have site access yet</h2>
    <p>
      ${notified
        ? html`Your admins were notified on ${when(notified)}.${next}`
        : by
          ? html`Your admins will be notified by ${when(by)}.`
          : 'Your organisation has no admin who could be asked to assign you a site. Please contact your IT department.'}
    </p>
    <p>Once an admin assigns you to a site, its announcements, bookings and visitors appear here. Reload this page to check.</p>
  </div>`;
}

export function homePage(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const chrome = chromeOf(c, deps.config);
    const sites = await readableSites(deps.sql, chrome.member);
    const body = html`<h1>Hello, ${displayName(chrome.member)}</h1>
      ${sites.length ? sites.map((site) => siteSection(deps.sql, site)) : waitingNotice(deps, chrome.member)}`;
    return layout(c, 200, 'My sites', body, chrome);
  });
}
