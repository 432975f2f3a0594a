import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { domainActions, type DomainView } from '../domain-actions.ts';
import { addDomain } from '../routes/domains.ts';
import { chromeOf, formFields } from './form-token.ts';
import { layout, tokenField, when, type Chrome } from './layout.ts';
import { setNotice } from './notice.ts';

const statusWords = (d: DomainView) =>
  d.status === 'verified' ? `verified (${d.verifiedBy === 'dns' ? 'DNS' : 'by the operator'})` : d.status === 'pending' ? 'pending: waiting for the DNS record' : 'failed: no record within 30 days';

/** The record to create, in read-only fields a person can select and copy into their DNS console. */
const recordFields = (d: DomainView) =>
  d.record
    ? html`<dl class="record">
        <dt>Name</dt><dd><input readonly aria-label="Record name for ${d.domain}" value="${d.record.name}" size="${d.record.name.length}" /></dd>
        <dt>Type</dt><dd>TXT</dd>
        <dt>Value</dt><dd><input readonly aria-label="Record value for ${d.domain}" value="${d.record.value}" size="${d.record.value.length}" /></dd>
      </dl>`
    : '—';

function domainRows(chrome: Chrome, rows: DomainView[]) {
  if (rows.length === 0) return html`<p>No domains yet.</p>`;
  return html`<div class="table" tabindex="0" role="region" aria-label="Domains"><table>
    <thead><tr><th scope="col">Domain</th><th scope="col">Status</th><th scope="col">TXT record to create</th><th scope="col">Last check</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${rows.map(
      (d) => html`<tr><td>${d.domain}</td>
        <td>${statusWords(d)}${d.recordMissingSince ? html`<br /><strong>The record is missing since ${when(d.recordMissingSince)}</strong>; the domain stays verified, please restore it.` : ''}</td>
        <td>${recordFields(d)}</td>
        <td>${d.lastCheck ? html`${when(d.lastCheck.at)}: ${d.lastCheck.description}` : '—'}</td>
        <td>${d.record
          ? html`<form method="post" action="/admin/domains/${d.domain}/check" class="inline">${tokenField(chrome)}<button type="submit" class="secondary" aria-label="Check ${d.domain} now">${d.status === 'failed' ? 'Try again' : 'Check now'}</button></form>`
          : ''}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

/**
 * The organisation's domains (docs/domain-verification.md): add one, see the TXT record to create
 * and each domain's status, check now. Rendering lives here alone so other pages can mount it.
 */
export function domainsPage(deps: AppDeps) {
  const domains = domainActions(deps);
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const chrome = chromeOf(c, deps.config);
    const body = html`<h1>Domains</h1>
      <p>People who sign in with single sign-on get an account when their email address is on a verified domain.
        Add a domain, create the TXT record shown in its DNS zone, and it is verified within minutes of the record appearing.</p>
      <form method="post" action="/admin/domains">
        ${tokenField(chrome)}
        <div class="fields">
          <label>Domain <input type="text" name="domain" required maxlength="254" placeholder="example.com" autocapitalize="off" spellcheck="false" /></label>
          <button type="submit">Add domain</button>
        </div>
      </form>
      <h2>Your domains</h2>
      ${domainRows(chrome, await domains.list(chrome.member))}`;
    return layout(c, 200, 'Domains', body, chrome);
  });

  app.post('/', async (c) => {
    const { domain } = await formFields(c, deps.config, addDomain);
    const { domain: added, created } = await domains.add(c.get('member')!, domain);
    setNotice(c, deps.config, created ? `${added.domain} is added; create its TXT record below.` : `${added.domain} was already added; it is ${added.status}.`);
    return c.redirect('/admin/domains', 303);
  });

  app.post('/:domain/check', async (c) => {
    await formFields(c, deps.config, z.strictObject({}));
    const checked = await domains.checkNow(c.get('member')!, c.req.param('domain'));
    setNotice(c, deps.config, `${checked.domain} is being checked now; reload this page in a moment to see the outcome.`);
    return c.redirect('/admin/domains', 303);
  });
  return app;
}
