import { Hono } from 'hono';
import { html } from 'hono/html';
import { disabledReasons, listMembers, type MemberFilters, type MemberKey, type MemberRow } from '../../db/member-queries.ts';
import { listOrgSites } from '../../db/org-sites.ts';
import { countWaiting } from '../../db/site-access.ts';
import { memberSources } from '../../domain/member.ts';
import { displayName, orgRoleWords, sourceWords } from '../../domain/member-words.ts';
import { durationInWords } from '../../domain/relative-time.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { encodeMemberCursor } from '../cursor.ts';
import { listQuery } from '../routes/members.ts';
import { z } from 'zod';
import { validate } from '../validate.ts';
import { bulkAssignForm, bulkAssignHandler, memberPick } from './bulk-assign.ts';
import { chromeOf } from './form-token.ts';
import { layout, type Chrome } from './layout.ts';

/** The API's list query; a filter left at "Any" in the form arrives empty and means none. */
const pageQuery = z.preprocess((query) => Object.fromEntries(Object.entries(query as Record<string, string>).filter(([, v]) => v !== '')), listQuery);

const option = (value: string, label: string, selected: string | undefined) =>
  html`<option value="${value}" ${selected === value ? 'selected' : ''}>${label}</option>`;

function filterForm(filters: MemberFilters) {
  return html`<form method="get" action="/admin/members" role="search" aria-label="Filter members">
    <div class="fields">
      <label>Search name or email <input type="search" name="q" value="${filters.q ?? ''}" maxlength="100" /></label>
      <label>Site access <select name="siteAccess">${option('', 'Waiting first', filters.siteAccess)}${option('none', 'Waiting for a site', filters.siteAccess)}${option('some', 'Not waiting', filters.siteAccess)}</select></label>
      <label>Status <select name="status">${option('', 'Any', filters.status)}${option('active', 'Active', filters.status)}${option('disabled', 'Disabled', filters.status)}</select></label>
      <label>Source <select name="source">${option('', 'Any', filters.source)}${memberSources.map((s) => option(s, sourceWords[s], filters.source))}</select></label>
      <button type="submit">Filter</button>
    </div>
  </form>`;
}

/** With `pick`, each row has a checkbox for the bulk form (waiting members only). */
function memberTable(caption: string, members: MemberRow[], reasons: Map<string, string>, pick = false) {
  if (members.length === 0) return html`<h2>${caption}</h2><p>No members match.</p>`;
  return html`<h2>${caption}</h2>
    <div class="table" tabindex="0" role="region" aria-label="${caption}"><table>
      <thead><tr>${pick ? html`<th scope="col"><span class="visually-hidden">Select</span></th>` : ''}<th scope="col">Member</th><th scope="col">Org role</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Site access</th></tr></thead>
      <tbody>
        ${members.map(
          (m) => html`<tr>
            ${pick ? html`<td>${memberPick(m)}</td>` : ''}
            <td><a href="/admin/members/${m.id}">${displayName(m)}</a>${m.name.trim() ? html`<br /><small>${m.email}</small>` : ''}</td>
            <td>${orgRoleWords[m.orgRole]}</td>
            <td>${sourceWords[m.source]}</td>
            <td>${m.status === 'disabled' ? `disabled (${reasons.get(m.id) ?? 'directory'})` : 'active'}</td>
            <td>${m.waitingForSiteSince ? `waiting for ${durationInWords(Date.now() - m.waitingForSiteSince.getTime())}` : m.orgRole === 'org_admin' ? 'all sites' : `${m.siteCount} site${m.siteCount === 1 ? '' : 's'}`}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>`;
}

/** The waiting members, ready for bulk assignment: their table, then the form its checkboxes belong to. */
async function waitingSection({ sql }: AppDeps, chrome: Chrome, caption: string, members: MemberRow[], reasons: Map<string, string>) {
  const orgId = chrome.member.orgId;
  const [sites, total] = await Promise.all([listOrgSites(sql, orgId), countWaiting(sql, orgId)]);
  return html`${memberTable(caption, members, reasons, sites.length > 0)}${total > 0 ? bulkAssignForm(chrome, sites, total) : ''}`;
}

const nextLink = (filters: MemberFilters, next: MemberKey | undefined) => {
  if (!next) return '';
  const query = new URLSearchParams(Object.entries({ ...filters, cursor: encodeMemberCursor(next) }).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return html`<p><a href="/admin/members?${query.toString()}">Next page</a></p>`;
};

/**
 * The organisation's members. Without a site-access filter (and on its first page) members waiting
 * for a site come first, in their own table; the rest follow, paged.
 */
export function membersListPage(deps: AppDeps) {
  const { sql, config } = deps;
  return new Hono<AppEnv>()
    .post('/site-assignments', bulkAssignHandler(deps))
    .get('/', validate('query', pageQuery), async (c) => {
      const chrome = chromeOf(c, config);
      const { limit, cursor, ...filters } = c.req.valid('query');
      const orgId = chrome.member.orgId;
      const waitingFirst = !filters.siteAccess && !cursor;
      const waiting = waitingFirst ? await listMembers(sql, orgId, { ...filters, siteAccess: 'none' }, { limit }) : undefined;
      const restFilters: MemberFilters = waitingFirst ? { ...filters, siteAccess: 'some' } : filters;
      const rest = await listMembers(sql, orgId, restFilters, { limit, after: cursor });
      const reasons = await disabledReasons(sql, [...(waiting?.members ?? []), ...rest.members].map((m) => m.id));
      const restCaption = waiting ? 'Other members' : filters.siteAccess === 'none' ? 'Waiting for site access' : 'Members';
      const body = html`<h1>Members</h1>
        ${filterForm(filters)}
        ${waiting ? html`${await waitingSection(deps, chrome, 'Waiting for site access', waiting.members, reasons)}${waiting.next ? html`<p><a href="/admin/members?siteAccess=none">All members waiting for a site</a></p>` : ''}` : ''}
        ${filters.siteAccess === 'none' ? await waitingSection(deps, chrome, restCaption, rest.members, reasons) : memberTable(restCaption, rest.members, reasons)}
        ${nextLink(restFilters, rest.next)}`;
      return layout(c, 200, 'Members', body, chrome);
    });
}
