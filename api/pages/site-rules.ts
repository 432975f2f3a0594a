import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { listOrgSites, type OrgSite } from '../../db/org-sites.ts';
import { findSiteRule, listDirectoryGroups, listSiteRules, type SiteRule } from '../../db/site-rules.ts';
import { DirectoryGroupNotFoundError, SiteNotFoundError, SiteRuleExistsError, SiteRuleNotFoundError } from '../../domain/member-errors.ts';
import { siteRoleWords } from '../../domain/member-words.ts';
import { siteRoles, type SiteRole } from '../../domain/member.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { actingAdmin as acting } from '../member-actions.ts';
import { siteRuleBody } from '../routes/site-rules.ts';
import { siteRuleActions } from '../site-rule-actions.ts';
import { parseUrlEncoded } from '../url-encoded.ts';
import { uuidId, validate } from '../validate.ts';
import { chromeOf, formFields } from './form-token.ts';
import { layout, tokenField, type Chrome } from './layout.ts';
import { setNotice } from './notice.ts';

const PATH = '/admin/site-rules';
const ruleParam = z.object({ id: uuidId() });

/** A refused create (shown again with what was chosen) or delete, with the reason. */
interface Refusal {
  form: 'create' | 'delete';
  values: Record<string, string>;
  message: string;
}

/**
 * Refusals the admin can act on, in the page's words; anything else (a wrong form token, a
 * database outage) goes to the error handler. Nothing was written for any of them: the rule and
 * its queue rows commit together or not at all (db/site-rules.ts).
 */
function refusalOf(err: unknown): { status: ContentfulStatusCode; message: string } | undefined {
  if (err instanceof SiteRuleExistsError) return { status: 409, message: err.message };
  if (err instanceof DirectoryGroupNotFoundError) return { status: 404, message: 'That directory group is not in your organisation (the directory may have deleted it meanwhile). Choose a group from the list; nothing was created.' };
  if (err instanceof SiteNotFoundError) return { status: 404, message: 'That site is not one of your organisation\'s. Choose a site from the list; nothing was created.' };
  if (err instanceof SiteRuleNotFoundError) return { status: 404, message: 'That rule no longer exists (it may have been deleted already); nothing changed.' };
  if (err instanceof ClientError && err.status === 400) return { status: 400, message: `Choose a group, a site and a site role from the lists; nothing was created. (${err.message})` };
  return undefined;
}

const roleLabel = (role: SiteRole) => `${siteRoleWords[role].charAt(0).toUpperCase()}${siteRoleWords[role].slice(1)}`;
const people = (n: number) => (n === 1 ? '1 member' : `${n} members`);
const updating = (queued: number) => `${queued === 1 ? '1 member is' : `${queued} members are`} being updated.`;

/** With no groups there is nothing to choose: the page says where groups come from instead. */
function createForm(chrome: Chrome, groups: { id: string; name: string; memberCount: number }[], sites: OrgSite[], refusal?: Refusal) {
  if (groups.length === 0) {
    return html`<p>Your organisation has no directory groups yet. Groups come from your organisation's directory (SCIM, as Okta or Microsoft Entra ID push them): once the directory is connected and pushes its groups, they appear here.
      An IT contact connects it on the setup pages (they create the directory token there): send them a setup link from <a href="/admin/setup">Setup</a>.</p>`;
  }
  if (sites.length === 0) return html`<p>Your organisation has no sites yet; the operator creates them.</p>`;
  const chosen = (field: string, value: string) => (refusal?.values[field] === value ? 'selected' : '');
  const invalid = refusal ? html`aria-describedby="create-error" aria-invalid="true"` : '';
  return html`<form method="post" action="${PATH}">
    ${tokenField(chrome)}
    ${refusal ? html`<p class="error" id="create-error" role="alert">${refusal.message}</p>` : ''}
    <div class="fields">
      <label>Directory group <select name="groupId" ${invalid}>${groups.map((g) => html`<option value="${g.id}" ${chosen('groupId', g.id)}>${g.name} (${people(g.memberCount)})</option>`)}</select></label>
      <label>Site <select name="siteId" ${invalid}>${sites.map((s) => html`<option value="${s.id}" ${chosen('siteId', s.id)}>${s.name}</option>`)}</select></label>
      <label>Site role <select name="role">${siteRoles.map((r) => html`<option value="${r}" ${chosen('role', r)}>${roleLabel(r)}</option>`)}</select></label>
      <button type="submit">Create rule</button>
    </div>
  </form>`;
}

function ruleTable(rules: SiteRule[]) {
  if (rules.length === 0) return html`<p>No rules yet: members get sites only from an admin.</p>`;
  return html`<div class="table" tabindex="0" role="region" aria-label="Rules"><table>
    <thead><tr><th scope="col">Directory group</th><th scope="col">Site</th><th scope="col">Site role</th><th scope="col">Group members</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${rules.map(
      (r) => html`<tr><td>${r.group.name}</td><td>${r.site.name}</td><td>${roleLabel(r.role)}</td><td>${r.group.memberCount}</td>
        <td><a href="${PATH}/${r.id}/delete" aria-label="Delete: ${r.group.name} gets ${r.site.name}">Delete</a></td></tr>`,
    )}</tbody>
  </table></div>`;
}

/** The rules page, also shown again (with `status` 4xx) when its create or a delete was refused. */
async function renderRulesPage({ sql, config }: AppDeps, c: Context<AppEnv>, status: ContentfulStatusCode = 200, refusal?: Refusal) {
  const chrome = chromeOf(c, config);
  const { orgId } = chrome.member;
  const body = html`<h1>Site rules</h1>
    <p>A rule gives every member of a directory group a site with a site role, as they join the group; leaving the group takes it away.
      An admin's own change of one member's site on their member page (assigning, removing, another role) stands over the rules until it is handed back to them.</p>
    <h2>Create a rule</h2>
    ${createForm(chrome, await listDirectoryGroups(sql, orgId), await listOrgSites(sql, orgId), refusal?.form === 'create' ? refusal : undefined)}
    <h2>Rules</h2>
    ${refusal?.form === 'delete' ? html`<p class="error" role="alert">${refusal.message}</p>` : ''}
    ${ruleTable(await listSiteRules(sql, orgId))}`;
  return layout(c, status, 'Site rules', body, chrome);
}

/**
 * /admin/site-rules: the organisation's site-access rules (api/routes/site-rules.ts is the same over
 * JSON), created and deleted through siteRuleActions, then back here (303) with a notice of how many
 * members are being updated. A refusal shows the page again with the reason and changes nothing.
 */
export function siteRulesPage(deps: AppDeps) {
  const actions = siteRuleActions(deps);
  const app = new Hono<AppEnv>();

  async function submit(c: Context<AppEnv>, form: Refusal['form'], act: () => Promise<string>) {
    try {
      setNotice(c, deps.config, await act());
      return c.redirect(PATH, 303);
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused) throw err;
      const values = Object.fromEntries(parseUrlEncoded(await c.req.text(), 'The form').map(({ name, value }) => [name, value]));
      return renderRulesPage(deps, c, refused.status, { form, values, message: refused.message });
    }
  }

  app.get('/', (c) => renderRulesPage(deps, c));

  app.post('/', (c) =>
    submit(c, 'create', async () => {
      const { rule, queued } = await actions.create(acting(c), await formFields(c, deps.config, siteRuleBody));
      const joining = rule.group.memberCount === 0 ? 'Nobody is in the group yet; members get the site as they join it.' : updating(queued);
      return `Rule created: members of ${rule.group.name} get ${rule.site.name} as a ${siteRoleWords[rule.role]}. ${joining}`;
    }),
  );

  /** A confirmation step first: deleting a rule takes its site from every member it alone gave it to. */
  app.get('/:id/delete', validate('param', ruleParam), async (c) => {
    const chrome = chromeOf(c, deps.config);
    const rule = await findSiteRule(deps.sql, chrome.member.orgId, c.req.valid('param').id);
    if (!rule) throw new SiteRuleNotFoundError();
    const title = `Delete the rule: ${rule.group.name} gets ${rule.site.name}?`;
    const body = html`<h1>${title}</h1>
      <p>The group's ${people(rule.group.memberCount)} lose ${rule.site.name}, unless another group's rule or an admin's decision gives it to them.</p>
      <form method="post" action="${PATH}/${rule.id}/delete">${tokenField(chrome)}<button type="submit">Delete the rule</button></form>
      <p><a href="${PATH}">Keep it and go back to the site rules</a></p>`;
    return layout(c, 200, title, body, chrome);
  });

  app.post('/:id/delete', validate('param', ruleParam), (c) =>
    submit(c, 'delete', async () => {
      await formFields(c, deps.config, z.strictObject({}));
      const { rule, queued } = await actions.delete(acting(c), c.req.valid('param').id);
      return `Rule deleted: members of ${rule.group.name} no longer get ${rule.site.name} from it. ${updating(queued)}`;
    }),
  );
  return app;
}
