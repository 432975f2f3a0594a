import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { issueScimToken, MAX_SCIM_TOKEN_NAME, replaceScimToken, withdrawScimToken } from '../../db/scim-tokens.ts';
import { setupActor } from '../../db/setup-sessions.ts';
import type { AppDeps } from '../context.ts';
import { ClientError } from '../errors.ts';
import { copyButton } from '../pages/copy-button.ts';
import { when } from '../pages/layout.ts';
import { setNotice } from '../pages/notice.ts';
import { uuidId } from '../validate.ts';
import { oneLineName } from './fields.ts';
import { setupLayout } from './setup-layout.ts';
import { setupFormFields, setupTokenField, type SetupEnv } from './setup-session.ts';

interface TokenRow {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const tokenName = z.strictObject({
  name: oneLineName(MAX_SCIM_TOKEN_NAME),
});

/** A rotation names the token the page showed as live, so sending the form again rotates nothing (db/scim-tokens.ts). */
const rotation = tokenName.extend({ replaces: uuidId() });

/** A revocation names the token the page showed too: a colleague's rotation meanwhile is not undone by an older page. */
const revocation = z.strictObject({ revokes: uuidId() });

const nameField = html`<label>Name (optional, e.g. "Okta production") <input name="name" maxlength="${MAX_SCIM_TOKEN_NAME}" /></label>`;

/** The essentials of docs/scim-setup.md for the two directories people use most. */
const instructions = (baseUrl: string) => html`<h2>Connect your directory</h2>
  <p>SCIM base URL: <code id="scim-base-url">${baseUrl}</code> ${copyButton('scim-base-url', 'the SCIM base URL')}</p>
  <h3>Okta</h3>
  <ol>
    <li>In the Okta admin console, open the app integration of this service and turn on SCIM provisioning.</li>
    <li>SCIM connector base URL: <code>${baseUrl}</code>; unique identifier field for users: <code>userName</code>.</li>
    <li>Provisioning actions: Push New Users and Push Profile Updates; Push Groups to let your org admins' site rules give sites by group.</li>
    <li>Authentication mode: HTTP Header, with the token from this page as the bearer token. Test the connector and save.</li>
    <li>Under Provisioning → To App, enable Create Users, Update User Attributes and Deactivate Users; leave Sync Password off.</li>
    <li>Assign people to the app (or groups of people: Okta assigns their members).</li>
  </ol>
  <h3>Microsoft Entra ID</h3>
  <ol>
    <li>In the Entra admin center, open the enterprise application of this service, then Provisioning; set the mode to Automatic.</li>
    <li>Tenant URL: <code>${baseUrl}?aadOptscim062020</code>; Secret Token: the token from this page.</li>
    <li>Test Connection, keep the default user mappings (userName = user principal name or mail), assign users, or groups (their members are provisioned, and your org admins' site rules give sites by group).</li>
    <li>Start provisioning.</li>
  </ol>
  <p>Removing someone from the directory disables their account here (never deletes it); adding them back enables it again.</p>`;

/** Create, rotate and revoke the organisation's SCIM token; a new token is shown once, on the answer to the form. */
export function scimTokensPage({ sql, config }: AppDeps) {
  const app = new Hono<SetupEnv>();
  const baseUrl = new URL('/scim/v2', config.publicUrl).href;

  async function render(c: Context<SetupEnv>, status: 200 | 201, made?: { token: string }) {
    const { orgId } = c.get('contact');
    const tokens = await sql<TokenRow[]>`
      select id, name, created_at as "createdAt", last_used_at as "lastUsedAt", revoked_at as "revokedAt"
      from scim_tokens where org_id = ${orgId} order by created_at desc limit 20`;
    const live = tokens.find((t) => !t.revokedAt);
    const field = setupTokenField(c, config);
    const body = html`<h1>Directory sync (SCIM)</h1>
      ${made
        ? html`<div class="done" role="status"><p>Your new token is below. Copy it into your directory now: it is shown only once (only its hash is stored).</p>
            <p><label>Your new SCIM token <input id="new-scim-token" readonly value="${made.token}" size="60" /></label> ${copyButton('new-scim-token', 'the new SCIM token')}</p></div>`
        : ''}
      ${live
        ? html`<p>Your organisation has a live token${live.name ? html` (${live.name})` : ''}, created ${when(live.createdAt)}, last used ${when(live.lastUsedAt)}.</p>
            <form method="post" action="/setup/scim/rotate">${field}<input type="hidden" name="replaces" value="${live.id}" /><div class="fields">${nameField}<button type="submit">Rotate: new token, the old one stops at once</button></div></form>
            <form method="post" action="/setup/scim/revoke">${field}<input type="hidden" name="revokes" value="${live.id}" /><button type="submit" class="secondary">Revoke: the directory can no longer sync</button></form>`
        : html`<form method="post" action="/setup/scim/create">${field}<div class="fields">${nameField}<button type="submit">Create a SCIM token</button></div></form>`}
      ${instructions(baseUrl)}
      <h2>Tokens</h2>
      ${tokens.length === 0
        ? html`<p>No token yet.</p>`
        : html`<div class="table" tabindex="0" role="region" aria-label="SCIM tokens"><table>
            <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Revoked</th></tr></thead>
            <tbody>${tokens.map((t) => html`<tr><td>${t.name || '—'}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td><td>${when(t.revokedAt)}</td></tr>`)}</tbody>
          </table></div>`}`;
    return setupLayout(c, config, status, 'Directory sync (SCIM)', body);
  }

  app.get('/', (c) => render(c, 200));

  app.post('/create', async (c) => {
    const { name } = await setupFormFields(c, config, tokenName);
    const { orgId, email } = c.get('contact');
    const made = await issueScimToken(sql, { orgId, actor: setupActor(email), name });
    if (!made) throw new ClientError(409, 'scim_token_exists', 'Your organisation already has a live SCIM token. Rotate it to get a new one (the old one then stops working), or revoke it first.');
    return render(c, 201, made);
  });

  app.post('/rotate', async (c) => {
    const { name, replaces } = await setupFormFields(c, config, rotation);
    const { orgId, email } = c.get('contact');
    const made = await replaceScimToken(sql, { orgId, actor: setupActor(email), name }, replaces);
    if (!made) {
      throw new ClientError(
        409,
        'scim_token_changed',
        'That token is no longer the live one: this form was sent twice (a reload or a double click), or someone rotated or revoked the token meanwhile. A new token is shown only once, on the answer that made it; open Directory sync again and rotate if you did not copy it.',
      );
    }
    return render(c, 201, made);
  });

  app.post('/revoke', async (c) => {
    const { revokes } = await setupFormFields(c, config, revocation);
    const { orgId, email } = c.get('contact');
    const revoked = await withdrawScimToken(sql, { orgId, actor: setupActor(email) }, revokes);
    if (!revoked) {
      throw new ClientError(
        409,
        'scim_token_changed',
        'Nothing was revoked: the token this page showed is no longer the live one (someone rotated or revoked it meanwhile, or this form was sent twice). Open Directory sync again to see the live token before revoking it.',
      );
    }
    setNotice(c, config, 'The SCIM token is revoked: your directory can no longer sync until you create a new one.');
    return c.redirect('/setup/scim', 303);
  });
  return app;
}
