import { Hono, type Context, type Env } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { adminActor, domainActions, type DomainActor, type DomainView } from '../domain-actions.ts';
import { addDomain } from '../routes/domains.ts';
import { copyButton } from './copy-button.ts';
import { domainStatus, statusWords } from './domain-status.ts';
import { chromeOf, formFields } from './form-token.ts';
import { layout, tokenField, when, type Html } from './layout.ts';
import { setNotice } from './notice.ts';

/**
 * Where the domains page is mounted and for whom: an org admin's /admin/domains or an IT contact's
 * /setup/domains. The rendering and the actions are the same; only the session around them differs.
 */
export interface DomainsSurface<E extends Env> {
  /** The page's path; its forms and its status feed are below it. */
  path: string;
  /** Who acts; the organisation is always theirs, never one named in the URL. */
  actor(c: Context<E>): DomainActor;
  /** The form-token field of the session, and the page in its layout (header, the last action's notice). */
  page(c: Context<E>): { tokenField: Html; show(title: string, body: Html): Response | Promise<Response> };
  /** A posted form: the session's form token checked, then the fields validated. */
  formFields<S extends z.ZodType>(c: Context<E>, schema: S): Promise<z.infer<S>>;
}

/** One domain: its status, the record to create (selectable text that wraps on narrow screens, with copy buttons), the last check. */
function domainSection(path: string, field: Html, d: DomainView) {
  const ids = { status: `status-${d.domain}`, lastCheck: `last-check-${d.domain}`, name: `record-name-${d.domain}`, value: `record-value-${d.domain}` };
  return html`<section aria-labelledby="domain-${d.domain}">
    <h3 id="domain-${d.domain}">${d.domain}</h3>
    <dl>
      <dt>Status</dt><dd id="${ids.status}" data-domain-status="${d.status}" aria-live="polite">${statusWords(d)}</dd>
      ${d.recordMissingSince ? html`<dt>Warning</dt><dd>The record is missing since ${when(d.recordMissingSince)}; the domain stays verified, please restore it.</dd>` : ''}
      ${d.record
        ? html`<dt>Record name</dt><dd><code id="${ids.name}">${d.record.name}</code> ${copyButton(ids.name, `record name of ${d.domain}`)}</dd>
          <dt>Record type</dt><dd><code>TXT</code></dd>
          <dt>Record value</dt><dd><code id="${ids.value}">${d.record.value}</code> ${copyButton(ids.value, `record value of ${d.domain}`)}</dd>
          <dt>Last check</dt><dd id="${ids.lastCheck}">${d.lastCheck ? html`${when(d.lastCheck.at)}: ${d.lastCheck.description}` : 'not yet'}</dd>`
        : ''}
    </dl>
    ${d.record
      ? html`<form method="post" action="${path}/${d.domain}/check">${field}${checkButton(d)}</form>
        <p><a href="${path}/${d.domain}/remove" aria-label="Remove: ${d.domain}">Remove</a></p>`
      : ''}
  </section>`;
}

/** The accessible name starts with the visible words, as speech-input users say them. */
const checkButton = (d: DomainView) => {
  const words = d.status === 'failed' ? 'Try again' : 'Check now';
  return html`<button type="submit" class="secondary" aria-label="${words}: ${d.domain}">${words}</button>`;
};

/** The list carries its status feed: PAGE_SCRIPT polls it while a domain here is pending (domain-status.ts). */
const domainList = (path: string, field: Html, rows: DomainView[]) =>
  rows.length === 0
    ? html`<p>No domains yet.</p>`
    : html`<div data-domain-status-url="${path}/status">${rows.map((d) => domainSection(path, field, d))}</div>`;

/**
 * The organisation's domains (docs/domain-verification.md): add one, see the TXT record to create
 * and each domain's status, check now. Rendering and routes live here alone; `surface` says whose
 * session and layout they run in.
 */
export function domainPages<E extends Env>(deps: AppDeps, surface: DomainsSurface<E>) {
  const domains = domainActions(deps);
  const { path } = surface;
  const app = new Hono<E>();

  app.get('/', async (c) => {
    const { tokenField: field, show } = surface.page(c);
    const body = html`<h1>Domains</h1>
      <p>People who sign in with single sign-on get an account when their email address is on a verified domain.
        Add a domain, create the TXT record shown in its DNS zone, and it is verified within minutes of the record appearing.</p>
      <form method="post" action="${path}">
        ${field}
        <div class="fields">
          <label>Domain <input type="text" name="domain" required maxlength="254" placeholder="example.com" autocapitalize="off" spellcheck="false" /></label>
          <button type="submit">Add domain</button>
        </div>
      </form>
      <h2>Your domains</h2>
      ${domainList(path, field, await domains.list(surface.actor(c)))}`;
    return show('Domains', body);
  });

  /** Each domain's status for the page's script: one query on the organisation's key, nothing cached. */
  app.get('/status', async (c) => {
    c.header('cache-control', 'no-store');
    return c.json({ domains: (await domains.list(surface.actor(c))).map(domainStatus) });
  });

  app.post('/', async (c) => {
    const { domain } = await surface.formFields(c, addDomain);
    const { domain: added, created } = await domains.add(surface.actor(c), domain);
    setNotice(c, deps.config, created ? `${added.domain} is added; create its TXT record below.` : `${added.domain} was already added; it is ${added.status}.`);
    return c.redirect(path, 303);
  });

  /** A confirmation step first: removing a verified domain stops new accounts on it at once. */
  app.get('/:domain/remove', async (c) => {
    const d = await domains.toRemove(surface.actor(c), c.req.param('domain'));
    const { tokenField: field, show } = surface.page(c);
    const consequence =
      d.status === 'verified'
        ? 'People with an email address on it can no longer get an account by signing in. Members who already have one keep it.'
        : 'Its check stops; add it again to start over with a new record.';
    return show(
      `Remove ${d.domain}?`,
      html`<h1>Remove ${d.domain}?</h1>
        <p>${consequence}</p>
        <form method="post" action="${path}/${d.domain}/remove">${field}<button type="submit">Remove ${d.domain}</button></form>
        <p><a href="${path}">Keep it and go back to the domains</a></p>`,
    );
  });

  app.post('/:domain/remove', async (c) => {
    await surface.formFields(c, z.strictObject({}));
    const removed = await domains.remove(surface.actor(c), c.req.param('domain'));
    setNotice(c, deps.config, `${removed} is removed.`);
    return c.redirect(path, 303);
  });

  app.post('/:domain/check', async (c) => {
    await surface.formFields(c, z.strictObject({}));
    const checked = await domains.checkNow(surface.actor(c), c.req.param('domain'));
    setNotice(c, deps.config, `${checked.domain} is being checked now; its status below follows the outcome (without JavaScript, reload this page in a moment).`);
    return c.redirect(path, 303);
  });
  return app;
}

/** /admin/domains: an org admin's page, in the member layout. */
export const domainsPage = (deps: AppDeps) =>
  domainPages<AppEnv>(deps, {
    path: '/admin/domains',
    actor: (c) => adminActor(c.get('member')!),
    page(c) {
      const chrome = chromeOf(c, deps.config);
      return { tokenField: tokenField(chrome), show: (title, body) => layout(c, 200, title, body, chrome) };
    },
    formFields: (c, schema) => formFields(c, deps.config, schema),
  });
