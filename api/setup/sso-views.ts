import { html } from 'hono/html';
import { MAX_CLIENT_ID_LENGTH, MAX_CLIENT_SECRET_LENGTH, MAX_ISSUER_LENGTH, type SettingsProblem } from '../../auth/connection-settings.ts';
import type { JitPreview } from '../../db/jit-preview.ts';
import type { LiveConnectionView } from '../../db/sso-connections.ts';
import type { SsoDraft } from '../../db/sso-drafts.ts';
import { displayName, orgRoleWords } from '../../domain/member-words.ts';
import { signInRefusals } from '../../domain/sign-in-refusals.ts';
import { actorName } from '../../domain/timeline-sentences.ts';
import { copyButton } from '../pages/copy-button.ts';
import { when, type Html } from '../pages/layout.ts';

const who = (actor: string | null) => (actor ? actorName({ actor, actorName: null }) : 'someone');

/** What the IT team registers at its identity provider: one redirect URI, for sign-ins and test sign-ins alike. */
export const registration = (redirectUri: string) => html`<h2>Register this app at your identity provider</h2>
  <p>Create a web application (OpenID Connect, authorization code flow) and register this <strong>redirect URI</strong> (Okta: sign-in redirect URI; Microsoft Entra ID: redirect URI of type Web):</p>
  <p><code id="redirect-uri">${redirectUri}</code> ${copyButton('redirect-uri', 'the redirect URI')}</p>
  <p>This app asks for the scopes <code>openid email profile</code> and needs the claims <code>email</code>, <code>email_verified</code> and <code>name</code> in the ID token.</p>`;

export function liveConnection(orgName: string, live: LiveConnectionView | undefined) {
  if (!live) return html`<h2>Live connection</h2><p>${orgName} has no live single sign-on yet: nobody signs in through an identity provider until a tested draft goes live.</p>`;
  return html`<h2>Live connection</h2>
    <dl>
      <dt>Issuer</dt><dd><code>${live.issuer}</code></dd>
      <dt>Client id</dt><dd><code>${live.clientId}</code></dd>
      <dt>Client secret</dt><dd>set (never shown)</dd>
      <dt>Configured</dt><dd>${when(live.updatedAt)} by ${who(live.configuredBy)}</dd>
    </dl>
    <p>It stays in place, and people keep signing in through it, until a draft that passed its test sign-in goes live.</p>`;
}

const claimValue = (value: unknown) => (value === undefined ? html`<em>not sent</em>` : html`<code>${String(value)}</code>`);

function verdict(preview: JitPreview): Html {
  switch (preview.action) {
    case 'sign_in':
      return html`Sign in ${displayName(preview.member)} (${preview.member.email}), who already signs in with this account${preview.member.status === 'disabled' ? '; their account is disabled, so they would be told to ask an admin to enable it' : ''}.`;
    case 'link':
      return html`Link this account to the existing member ${displayName(preview.member)} (${preview.member.email}) by the verified email${preview.promotedByInvitation ? `, make them an ${orgRoleWords.org_admin} by their pending invitation` : ''}, and sign them in${preview.member.status === 'disabled' ? '; their account is disabled, so they would be told to ask an admin to enable it' : ''}.`;
    case 'create':
      return preview.byInvitation
        ? html`Create a new ${orgRoleWords[preview.orgRole]} from their pending invitation.`
        : html`Create a new Member (no site access until an admin grants it).`;
    case 'refuse':
      return html`Refuse the sign-in, telling the person: "${signInRefusals[preview.reason]}"`;
    default: {
      const _exhaustive: never = preview;
      return html`${String(_exhaustive)}`;
    }
  }
}

/** The test sign-in's outcome: the claims that arrived and what JIT would do with them. */
export function testResult(draft: SsoDraft, preview: JitPreview | undefined) {
  if (draft.testOutcome === 'failed') {
    return html`<div id="test-result" class="error" role="alert"><p>The test sign-in failed ${when(draft.testedAt)} (by ${who(draft.testedBy)}): ${draft.testFailure}</p>
      <p>The draft stays untested and cannot go live; fix the settings or the identity provider and test again.</p></div>`;
  }
  const claims = draft.testClaims;
  if (!claims) return html`<p id="test-result">Not tested yet: run a test sign-in before it can go live.</p>`;
  const names = ['iss', 'sub', 'email', 'email_verified', 'name'] as const;
  return html`<div id="test-result" class="done" role="status">
    <p>The test sign-in succeeded ${when(draft.testedAt)} (by ${who(draft.testedBy)}). Nothing was created: no member, no session. These claims arrived in the ID token:</p>
    <dl>${names.map((name) => html`<dt><code>${name}</code></dt><dd>${claimValue(claims[name])}</dd>`)}</dl>
    ${preview ? html`<p><strong>What sign-in would do with this account once the draft is live:</strong> ${verdict(preview)}</p>` : ''}
  </div>`;
}

export function draftSection(draft: SsoDraft, preview: JitPreview | undefined, field: Html) {
  const hidden = html`${field}<input type="hidden" name="draft" value="${draft.id}" />`;
  const tested = draft.testOutcome === 'succeeded';
  return html`<h2>Draft</h2>
    <dl>
      <dt>Issuer</dt><dd><code>${draft.issuer}</code></dd>
      <dt>Client id</dt><dd><code>${draft.clientId}</code></dd>
      <dt>Client secret</dt><dd>set (never shown)</dd>
      <dt>Saved</dt><dd>${when(draft.savedAt)} by ${who(draft.savedBy)}</dd>
    </dl>
    ${testResult(draft, preview)}
    <form method="post" action="/setup/sso/test" class="inline">${hidden}<button type="submit">Test sign-in</button></form>
    <form method="post" action="/setup/sso/activate" class="inline">${hidden}<button type="submit"${tested ? '' : html` disabled`}>Go live: replace the live connection</button></form>
    <form method="post" action="/setup/sso/discard" class="inline">${hidden}<button type="submit" class="secondary">Discard the draft</button></form>
    <p>The test sign-in goes to your identity provider with this draft's settings and comes back to the same redirect URI. Sign in there with any account of your organisation; nothing is created here.</p>`;
}

export interface Typed {
  issuer: string;
  clientId: string;
}

/** The form for a new draft; after a refusal it shows what was typed, except the secret, which is never sent back. */
export function draftForm(field: Html, typed: Typed, problems: SettingsProblem[]) {
  const invalid = (name: SettingsProblem['field']) => (problems.some((p) => p.field === name) ? html` aria-invalid="true" aria-describedby="${name}-problem"` : '');
  const input = (name: 'issuer' | 'clientId', label: string, max: number, placeholder: string) =>
    html`<label>${label} <input name="${name}" value="${typed[name]}" maxlength="${max}" placeholder="${placeholder}" required${invalid(name)} /></label>`;
  return html`<h2>Save a draft</h2>
    <p>Saving checks the issuer (its discovery document must name exactly this issuer) and keeps the settings as a draft; the live connection does not change. The secret is stored encrypted and never shown again; a new save replaces the draft and needs the secret again.</p>
    ${problems.length ? html`<div class="error" role="alert"><p>Nothing was saved:</p><ul>${problems.map((p) => html`<li id="${p.field}-problem">${p.message}</li>`)}</ul></div>` : ''}
    <form method="post" action="/setup/sso">
      ${field}
      <div class="fields">
        ${input('issuer', 'Issuer URL', MAX_ISSUER_LENGTH, 'https://your-org.okta.com')}
        ${input('clientId', 'Client id', MAX_CLIENT_ID_LENGTH, '')}
        <label>Client secret <input type="password" name="clientSecret" maxlength="${MAX_CLIENT_SECRET_LENGTH}" autocomplete="new-password" required${invalid('clientSecret')} /></label>
        <button type="submit">Save the draft</button>
      </div>
    </form>`;
}
