import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { ResponseBodyError } from 'openid-client';
import { exchangeCode, redirectUri } from '../../auth/authorization.ts';
import type { LoginTransaction } from '../../auth/login-transactions.ts';
import { markSignedIn } from '../../auth/login-transactions.ts';
import { causes } from '../../auth/oidc.ts';
import { resolveSetupSession, setupActor } from '../../db/setup-sessions.ts';
import { draftById, recordTestResult, testClaimsOf, type TestOutcome } from '../../db/sso-drafts.ts';
import { displayableOAuthError } from '../../domain/sign-in.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { refusalPage } from '../pages/error-page.ts';
import { setupCookieName } from './setup-session.ts';
import { discoverDraft } from './sso-issuer.ts';

const backToSetup = { href: '/setup/sso', label: 'Back to the single sign-on setup' };

/**
 * An error of the code exchange in words for the IT contact (it is their identity provider): the
 * OAuth error code or the check that failed, as openid-client names it; never the IdP's prose.
 */
function exchangeFailure(err: unknown): string {
  if (err instanceof ResponseBodyError) {
    const code = displayableOAuthError(err.error);
    const hint = code === 'invalid_client' ? ': check the client id and the client secret' : '';
    return `The identity provider's token endpoint refused the code${code ? ` (${code})` : ''}${hint}.`;
  }
  const chain = causes(err).filter((e): e is Error => e instanceof Error);
  // The network's own words (addresses, ports) are no business of the page.
  if (chain.some((e) => e instanceof TypeError && e.message === 'fetch failed')) return 'We could not reach the identity provider\'s token or key endpoint (the addresses its discovery document names).';
  // A JSON parser's message quotes the answer's first characters: the check that failed is the error around it.
  const innermost = chain.filter((e) => !(e instanceof SyntaxError)).at(-1);
  return `The identity provider's answer did not pass the sign-in checks (${innermost?.message ?? 'unknown reason'}).`;
}

/**
 * The callback of a test sign-in (its stored attempt names a draft): the code exchange with the
 * draft's settings and every check of a real sign-in, then the outcome is recorded on the draft and
 * shown on the setup page. It creates no member, identity or session and starts no workflow. Only
 * the browser's live setup session of the draft's organisation may finish it: the result shows
 * the claims and whether the account exists here.
 */
export async function finishTestSignIn(deps: AppDeps, c: Context<AppEnv>, { state, tx }: { state: string; tx: LoginTransaction & { draftId: string } }) {
  const { sql, config, log } = deps;
  const sessionId = getCookie(c, setupCookieName(config));
  const [contact, draft] = await Promise.all([sessionId ? resolveSetupSession(sql, sessionId) : undefined, draftById(sql, tx.draftId)]);
  if (!draft) return refusalPage(c, config, 409, 'Test sign-in not recorded', 'The draft was replaced or discarded while you were signing in. Test the draft the setup page shows now.', backToSetup);
  if (!contact || contact.orgId !== draft.orgId) {
    return refusalPage(c, config, 401, 'Test sign-in not recorded', `A test sign-in finishes only in the browser that started it, while its setup session of the organisation is open. Open a new setup link and test again.`, backToSetup);
  }
  const record = async (outcome: TestOutcome) => {
    await recordTestResult(sql, { draftId: draft.id, actor: setupActor(contact.email), outcome });
    return c.redirect('/setup/sso#test-result', 302);
  };
  if (draft.orgSlug !== c.req.param('org')) {
    log.warn({ requestId: c.get('requestId'), org: c.req.param('org'), expected: draft.orgSlug }, 'test authorization response at another organisation\'s redirect URI');
    return record({ failed: 'The answer came back at another organisation\'s redirect URI.' });
  }
  const idpError = c.req.query('error');
  if (idpError !== undefined) {
    const code = displayableOAuthError(idpError);
    return record({ failed: `Your identity provider refused the sign-in${code ? ` (${code})` : ''}${code === 'access_denied' ? ': it was cancelled, or the account may not use this app (check the app\'s assignments)' : ''}.` });
  }
  const configuration = await discoverDraft(config, draft);
  if ('refusal' in configuration) return record({ failed: configuration.refusal });
  let claims: Awaited<ReturnType<typeof exchangeCode>>;
  try {
    claims = await exchangeCode(configuration, { redirectUri: redirectUri(config.publicUrl, draft.orgSlug), query: new URL(c.req.url).searchParams, state, tx });
  } catch (err) {
    log.warn({ requestId: c.get('requestId'), err }, 'test authorization response rejected');
    return record({ failed: exchangeFailure(err) });
  }
  await markSignedIn(sql, state);
  return record({ succeeded: testClaimsOf(claims) });
}
