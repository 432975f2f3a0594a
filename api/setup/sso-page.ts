import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { setCookie } from 'hono/cookie';
import { z } from 'zod';
import { authorizationUrl, loginCookieName, newAttempt, redirectUri } from '../../auth/authorization.ts';
import { checkConnectionSettings, type SettingsProblem } from '../../auth/connection-settings.ts';
import { sealLoginCookie } from '../../auth/login-cookie.ts';
import { forgetLoginTransaction, LOGIN_TTL_MINUTES, saveLoginTransaction } from '../../auth/login-transactions.ts';
import { cookieOptions } from '../../auth/sessions.ts';
import { encryptSecret } from '../../auth/tokens.ts';
import { previewJit } from '../../db/jit-preview.ts';
import { setupActor } from '../../db/setup-sessions.ts';
import { liveConnectionOf } from '../../db/sso-connections.ts';
import { activateDraft, discardDraft, draftOfOrg, recordTestResult, saveDraft } from '../../db/sso-drafts.ts';
import { clientAddress } from '../client-address.ts';
import type { AppDeps } from '../context.ts';
import { ClientError } from '../errors.ts';
import { setNotice } from '../pages/notice.ts';
import { uuidId } from '../validate.ts';
import { setupLayout } from './setup-layout.ts';
import { setupFormFields, setupTokenField, type SetupEnv } from './setup-session.ts';
import { discoverDraft, discoverForSetup } from './sso-issuer.ts';
import { draftForm, draftSection, liveConnection, registration, type Typed } from './sso-views.ts';

/** The form's names; their contents are checked by checkConnectionSettings, so a refusal can show the form again. */
const draftFields = z.strictObject({
  issuer: z.string().default(''),
  clientId: z.string().default(''),
  clientSecret: z.string().default(''),
});

const draftChoice = z.strictObject({ draft: uuidId() });

const noDraft = () => new ClientError(404, 'no_sso_draft', 'Your organisation has no single sign-on draft (it may have gone live or been discarded). Reload the page.');
const replaced = () => new ClientError(409, 'sso_draft_replaced', 'The draft was replaced by a newer save (perhaps by another IT contact) since you loaded the page. Reload the page and look at the draft it shows.');

/**
 * The organisation's OIDC connection: a draft is saved (checked by discovery), proven with a test
 * sign-in through the same redirect URI as real sign-ins, and only then replaces the live one.
 */
export function ssoPage(deps: AppDeps) {
  const { sql, config } = deps;
  const app = new Hono<SetupEnv>();

  async function render(c: Context<SetupEnv>, status: 200 | 400 | 422, typed?: Typed, problems: SettingsProblem[] = []) {
    const { orgId, orgSlug, orgName } = c.get('contact');
    const [live, draft] = await Promise.all([liveConnectionOf(sql, orgId), draftOfOrg(sql, orgId)]);
    const preview = draft?.testClaims ? await previewJit(sql, orgId, draft.testClaims) : undefined;
    const field = setupTokenField(c, config);
    const body = html`<h1>Single sign-on (OIDC)</h1>
      <p>People of ${orgName} sign in through your identity provider; someone new on a verified domain of ${orgName} gets an account as a Member at their first sign-in. Save your identity provider's settings as a draft, run a test sign-in, then make it live.</p>
      ${registration(redirectUri(config.publicUrl, orgSlug).href)}
      ${liveConnection(orgName, live)}
      ${draft ? draftSection(draft, preview, field) : ''}
      ${draftForm(field, typed ?? { issuer: draft?.issuer ?? live?.issuer ?? '', clientId: draft?.clientId ?? live?.clientId ?? '' }, problems)}`;
    return setupLayout(c, config, status, 'Single sign-on (OIDC)', body);
  }

  app.get('/', (c) => render(c, 200));

  app.post('/', async (c) => {
    const typed = await setupFormFields(c, config, draftFields);
    const checked = checkConnectionSettings(typed, config.env);
    if ('problems' in checked) return render(c, 400, typed, checked.problems);
    const discovered = await discoverForSetup(checked.settings, config.env);
    if ('refusal' in discovered) return render(c, 422, typed, [{ field: 'issuer', message: discovered.refusal }]);
    const { orgId, email } = c.get('contact');
    const { issuer, clientId, clientSecret } = checked.settings;
    await saveDraft(sql, { orgId, issuer, clientId, sealedSecret: encryptSecret(config.encryptionKey, clientSecret), actor: setupActor(email) });
    setNotice(c, config, 'The draft is saved; the live connection has not changed. Run a test sign-in next.');
    return c.redirect('/setup/sso', 303);
  });

  /** A test sign-in: the usual attempt (PKCE, state, nonce, login cookie), stored against the draft. */
  app.post('/test', async (c) => {
    const { draft: draftId } = await setupFormFields(c, config, draftChoice);
    const contact = c.get('contact');
    const draft = await draftOfOrg(sql, contact.orgId);
    if (!draft) throw noDraft();
    if (draft.id !== draftId) throw replaced();
    const { state, nonce, codeVerifier } = newAttempt();
    const start = await saveLoginTransaction(sql, state, { draftId, nonce, codeVerifier, address: clientAddress(c, config.trustProxyHops), pendingLimit: config.signInPendingLimit });
    if (!start.allowed) {
      c.header('Retry-After', String(start.retryAfterSeconds));
      throw new ClientError(429, 'too_many_test_sign_ins', `Too many test sign-ins were started from your network and not finished. Try again in ${start.retryAfterSeconds} seconds.`);
    }
    const configuration = await discoverDraft(config, draft);
    if ('refusal' in configuration) {
      await forgetLoginTransaction(sql, state);
      await recordTestResult(sql, { draftId, actor: setupActor(contact.email), outcome: { failed: configuration.refusal } });
      return c.redirect('/setup/sso#test-result', 303);
    }
    setCookie(c, loginCookieName(config, state), sealLoginCookie(config.sessionSecret, state, undefined), { ...cookieOptions(config), maxAge: LOGIN_TTL_MINUTES * 60 });
    const url = await authorizationUrl(configuration, { redirectUri: redirectUri(config.publicUrl, contact.orgSlug), state, nonce, codeVerifier });
    return c.redirect(url.href, 303);
  });

  app.post('/activate', async (c) => {
    const { draft: draftId } = await setupFormFields(c, config, draftChoice);
    const { orgId, email } = c.get('contact');
    const outcome = await activateDraft(sql, { orgId, draftId, actor: setupActor(email) });
    if (outcome === 'no_draft') throw noDraft();
    if (outcome === 'replaced') throw replaced();
    if (outcome === 'untested') throw new ClientError(409, 'sso_draft_untested', 'This draft has no successful test sign-in (or its latest one failed), so it cannot go live. Run a test sign-in first; the live connection has not changed.');
    setNotice(c, config, 'The draft is live: sign-ins now go through it.');
    return c.redirect('/setup/sso', 303);
  });

  app.post('/discard', async (c) => {
    const { draft: draftId } = await setupFormFields(c, config, draftChoice);
    const { orgId, email } = c.get('contact');
    const outcome = await discardDraft(sql, { orgId, draftId, actor: setupActor(email) });
    if (outcome === 'no_draft') throw noDraft();
    if (outcome === 'replaced') throw replaced();
    setNotice(c, config, 'The draft is discarded; the live connection has not changed.');
    return c.redirect('/setup/sso', 303);
  });
  return app;
}
