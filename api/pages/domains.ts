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

/** One domain: its status, the record to create (selectable text that wraps on narrow screens), the last check. */
const domainSection = (chrome: Chrome, d: DomainView) => html`<section aria-labelledby="domain-${d.domain}">
    <h3 id="domain-${d.domain}">${d.domain}</h3>
    <dl>
      <dt>Status</dt><dd>${statusWords(d)}</dd>
      ${d.recordMissingSince ? html`<dt>Warning</dt><dd>The record is missing since ${when(d.recordMissingSince)}; the domain stays verified, please restore it.</dd>` : ''}
      ${d.record
        ? html`<dt>Record name</dt><dd><code>${d.record.name}</code></dd>
          <dt>Record type</dt><dd><code>TXT</code></dd>
          <dt>Record value</dt><dd><code>${d.record.value}</code></dd>
          <dt>Last check</dt><dd>${d.lastCheck ? html`${when(d.lastCheck.at)}: ${d.lastCheck.description}` : 'not yet'}</dd>`
        : ''}
    </dl>
    ${d.record ? html`<form method="post" action="/admin/domains/${d.domain}/check">${tokenField(chrome)}${checkButton(d)}</form>` : ''}
  </section>`;

/** The accessible name starts with the visible words, as speech-input users say them. */
const checkButton = (d: DomainView) => {
  const words = d.status === 'failed' ? 'Try again' : 'Check now';
  return html`<button type="submit" class="secondary" aria-label="${words}: ${d.domain}">${words}</button>`;
};

const domainList = (chrome: Chrome, rows: DomainView[]) => (rows.length === 0 ? html`<p>No domains yet.</p>` : rows.map((d) => domainSection(chrome, d)));

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
      ${domainList(chrome, await domains.list(chrome.member))}`;
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
