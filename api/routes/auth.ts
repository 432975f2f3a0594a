import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { authorizationUrl, exchangeCode, loginCookieName, newAttempt, redirectUri } from '../../auth/authorization.ts';
import { connectionById, connectionByOrg, oidcConfiguration, type SsoConnection } from '../../auth/connections.ts';
import { openLoginCookie, sealLoginCookie } from '../../auth/login-cookie.ts';
import { consumeLoginTransaction, forgetLoginTransaction, LOGIN_TTL_MINUTES, markSignedIn, saveLoginTransaction, type LoginTransaction } from '../../auth/login-transactions.ts';
import { cookieOptions, createSession, revokeSession, sessionCookieName } from '../../auth/sessions.ts';
import { isDomainName } from '../../domain/domain-name.ts';
import { isEmailAddress } from '../../domain/email.ts';
import { isOrgSlug } from '../../domain/org-slug.ts';
import { safeReturnPath } from '../../domain/return-path.ts';
import { signInRefusals } from '../../domain/sign-in-refusals.ts';
import { checkClaims, displayableOAuthError, emailDomain, MAX_LOGIN_HINT_LENGTH } from '../../domain/sign-in.ts';
import { clientAddress } from '../client-address.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError, wantsPage } from '../errors.ts';
import { endSession } from '../session.ts';
import { refusalPage } from '../pages/error-page.ts';
import type { Link } from '../pages/layout.ts';
import { cancelledPage, confirmPage, emailForm, loginUrl, organisationForm, signInStartUrl } from '../pages/sign-in.ts';
import { finishTestSignIn } from '../setup/test-sign-in-callback.ts';
import { provisionSignIn } from '../temporal.ts';
import { memberEmailHasher } from '../../temporal/member-email-hash.ts';

const startAgain = { href: '/login', label: 'Start again' };
const unverifiable = 'The answer from your identity provider could not be verified. Start again; if it keeps failing, contact your IT team.';
const unknownOrg = 'This organisation does not exist or has no single sign-on configured.';

/** The optional login_hint, passed on to the IdP; longer than an email address is refused, not cut. */
function loginHint(c: Context): string | undefined {
  const hint = c.req.query('login_hint');
  if (hint && hint.length > MAX_LOGIN_HINT_LENGTH) {
    throw new ClientError(400, 'invalid_login_hint', `The login_hint is longer than ${MAX_LOGIN_HINT_LENGTH} characters. Start again from the sign-in page.`);
  }
  return hint || undefined;
}

/** The page to return to after sign-in (`next`): kept only when it is a safe local path, else dropped. */
const returnPath = (c: Context) => safeReturnPath(c.req.query('next'));

/** Names, as organisations.name allows them; compared case-insensitively with whitespace runs as one space. */
const MAX_ORG_NAME_LENGTH = 200;
const normalisedName = (name: string) => name.trim().replace(/\s+/gu, ' ').toLowerCase();

export function authRoutes(deps: AppDeps) {
  const { sql, config, log, temporal } = deps;
  const callbackUrl = (orgSlug: string) => redirectUri(config.publicUrl, orgSlug);
  const hashEmail = memberEmailHasher(config.encryptionKey);
  const loginCookie = (state: string) => loginCookieName(config, state);

  // Refusals in the sign-in flow keep a signed-in member's header and end with the request id, as error pages do.
  const show = (c: Context<AppEnv>, status: ContentfulStatusCode, title: string, message: string, action?: Link) => refusalPage(c, config, status, title, message, action);

  const app = new Hono<AppEnv>();

  /**
   * Email-first entry: the email's verified domain names the organisation. Someone off every
   * verified domain (an invited guest) names the organisation instead (`org`: a slug or one of its
   * domains). Invitations are never consulted here, so no answer tells whether an address has one;
   * the organisation's IdP and the invitation decide at the callback.
   */
  app.get('/login', async (c) => {
    const next = returnPath(c);
    const email = c.req.query('email')?.trim().toLowerCase();
    if (!email) return emailForm(c, 200, { next });
    if (!isEmailAddress(email)) return emailForm(c, 400, { next, error: `"${email}" is not an email address.` });
    const named = c.req.query('org')?.trim();
    if (named && named.length > MAX_ORG_NAME_LENGTH) {
      return organisationForm(c, 400, email, { next, error: `That is longer than any organisation's name (${MAX_ORG_NAME_LENGTH} characters): type the domain of its email addresses (such as acme.com) or its name as your invitation email gives it.` });
    }
    const org = named ? await ssoOrgNamed(named) : await ssoOrgOfDomain(emailDomain(email));
    if (!org) {
      return organisationForm(c, 404, email, { next, error: named ? `No organisation with single sign-on here is called "${named}". Check the name in your invitation email.` : undefined });
    }
    return c.redirect(signInStartUrl(org.slug, email, next), 302);
  });

  async function ssoOrgOfDomain(domain: string) {
    const [org]: [{ slug: string }?] = await sql`
      select o.slug from verified_domains d join organisations o on o.id = d.org_id
      join sso_connections s on s.org_id = o.id where d.domain = ${domain}`;
    return org;
  }

  /**
   * A guest types what the invitation email names: the organisation's display name ("Acme
   * Corporation", as the email's subject says), its slug (the link) or one of its domains. Display
   * names are not unique: a name two organisations share names neither.
   */
  async function ssoOrgNamed(typed: string) {
    const lower = typed.toLowerCase();
    if (isOrgSlug(lower) || isDomainName(lower)) {
      const [org]: [{ slug: string }?] = await sql`
        select o.slug from organisations o join sso_connections s on s.org_id = o.id
        where o.slug = ${lower} or o.id = (select org_id from verified_domains where domain = ${lower})`;
      if (org) return org;
    }
    const byName: { slug: string }[] = await sql`
      select o.slug from organisations o join sso_connections s on s.org_id = o.id
      where lower(regexp_replace(btrim(o.name), '\\s+', ' ', 'g')) = ${normalisedName(typed)} limit 2`;
    return byName.length === 1 ? byName[0] : undefined;
  }

  /**
   * A sign-in started by another site could sign the visitor into an account of the attacker's
   * choosing (login CSRF through a hostile IdP): such starts get a confirmation page whose POST
   * comes from our origin. Typed URLs, bookmarks and our own pages go straight through.
   */
  app.get('/auth/:org/login', async (c) => {
    // HEAD (link checkers, previews) must not start a sign-in: that stores an attempt, which holds a pending slot.
    if (c.req.method === 'HEAD') return c.body(null, 405, { allow: 'GET, POST' });
    if (c.req.header('sec-fetch-site') !== 'cross-site') return startSignIn(c);
    const connection = await connectionByOrg(sql, c.req.param('org'));
    if (!connection) return show(c, 404, 'Unknown organisation', unknownOrg, startAgain);
    return confirmPage(c, connection.orgName, signInStartUrl(connection.orgSlug, loginHint(c), returnPath(c)));
  });
  app.post('/auth/:org/login', (c) => startSignIn(c));

  async function startSignIn(c: Context<AppEnv>) {
    const hint = loginHint(c);
    const connection = await connectionByOrg(sql, c.req.param('org')!);
    if (!connection) return show(c, 404, 'Unknown organisation', unknownOrg, startAgain);
    // Counted and stored in one statement before the IdP is fetched: a refused start writes and fetches nothing.
    const { state, nonce, codeVerifier } = newAttempt();
    const start = await saveLoginTransaction(sql, state, {
      connectionId: connection.id,
      nonce,
      codeVerifier,
      ...(hint ? { loginHint: hint } : {}),
      address: clientAddress(c, config.trustProxyHops),
      pendingLimit: config.signInPendingLimit,
    });
    if (!start.allowed) {
      c.header('Retry-After', String(start.retryAfterSeconds));
      return show(
        c,
        429,
        'Too many sign-in attempts',
        `Too many sign-ins to ${connection.orgName} were started from your network and not finished. Try again in ${start.retryAfterSeconds} seconds.`,
        startAgain,
      );
    }
    const configuration = await idpConfiguration(c, connection);
    if (configuration instanceof Response) {
      await forgetLoginTransaction(sql, state);
      return configuration;
    }
    setCookie(c, loginCookie(state), sealLoginCookie(config.sessionSecret, state, returnPath(c)), { ...cookieOptions(config), maxAge: LOGIN_TTL_MINUTES * 60 });
    const url = await authorizationUrl(configuration, { redirectUri: callbackUrl(connection.orgSlug), state, nonce, codeVerifier, extraScopes: connection.extraScopes, loginHint: hint });
    return c.redirect(url.href, 302);
  }

  app.get('/auth/:org/callback', async (c) => {
    const state = c.req.query('state');
    if (!state) return show(c, 400, 'Sign-in failed', 'The sign-in response carries no state. Start again from the sign-in page.', startAgain);
    const attemptCookie = loginCookie(state);
    const { bound, returnTo } = openLoginCookie(config.sessionSecret, getCookie(c, attemptCookie), state);
    deleteCookie(c, attemptCookie, cookieOptions(config));
    // Starting again keeps the page the sign-in was to return to.
    const again = { href: loginUrl(returnTo), label: 'Start again' };
    // The state must have started in this browser (login CSRF) and is usable once (replay).
    const tx = bound ? await consumeLoginTransaction(sql, state) : undefined;
    if (!tx) {
      c.get('metrics').countSignIn('refused', 'expired');
      return show(c, 400, 'Sign-in expired', 'This sign-in was already used, has expired, or did not start in this browser. Start again.', again);
    }
    // A test of a draft connection (setup) is known by its stored attempt alone, never by the request.
    if ('draftId' in tx) return finishTestSignIn(deps, c, { state, tx });
    const idpError = c.req.query('error');
    if (idpError !== undefined) {
      log.warn({ requestId: c.get('requestId'), idpError }, 'identity provider refused the sign-in');
      c.get('metrics').countSignIn('refused', idpError === 'access_denied' ? 'cancelled' : 'idp_refused');
      // What an IdP answers when the person presses Cancel (also when it will not let them in: it cannot be told apart).
      if (idpError === 'access_denied') return cancelledPage(c, c.req.param('org'), returnTo);
      const code = displayableOAuthError(idpError);
      return show(c, 403, 'Sign-in refused', `Your identity provider refused the sign-in${code ? ` (${code})` : ''}. If you think you should have access, ask your IT team.`, again);
    }
    const connection = await connectionById(sql, tx.connectionId);
    if (!connection) {
      c.get('metrics').countSignIn('refused', 'connection_removed');
      return show(c, 400, 'Sign-in failed', 'Single sign-on was removed for this organisation while you were signing in.', again);
    }
    if (connection.orgSlug !== c.req.param('org')) {
      log.warn({ requestId: c.get('requestId'), org: c.req.param('org'), expected: connection.orgSlug }, 'authorization response at another organisation\'s redirect URI');
      c.get('metrics').countSignIn('refused', 'response_rejected');
      return show(c, 400, 'Sign-in failed', unverifiable, again);
    }
    const claims = await verifiedClaims(c, connection, state, tx);
    if (claims instanceof Response) return claims;

    const checked = checkClaims(claims);
    if ('refused' in checked) {
      c.get('metrics').countSignIn('refused', checked.refused);
      return show(c, 403, 'Sign-in refused', signInRefusals[checked.refused], again);
    }
    const result = await provisionSignIn(temporal, sql, config.temporal.taskQueue, {
      orgId: connection.orgId,
      orgSlug: connection.orgSlug,
      connectionId: connection.id,
      iss: claims.iss,
      sub: claims.sub,
      email: checked.email,
      emailHash: hashEmail(checked.email),
      emailVerified: true,
      name: checked.name,
    });
    if (result.outcome === 'refused') {
      c.get('metrics').countSignIn('refused', result.reason);
      return show(c, 403, 'No account for you here yet', signInRefusals[result.reason], again);
    }
    c.get('metrics').countSignIn(result.status === 'active' ? result.outcome : 'disabled');
    if (result.status !== 'active') {
      // Disabled by the directory or an admin: nothing to retry here, and nothing was lost.
      return show(c, 403, 'Account disabled', `Your ${connection.orgName} account is disabled, so you cannot sign in. Your sites and history are kept: ask one of ${connection.orgName}'s admins to enable it.`, {
        href: '/login',
        label: 'Sign in with another account',
      });
    }

    await Promise.all([startSession(c, result.memberId), markSignedIn(sql, state)]);
    // Back to the page that asked for sign-in; else a browser lands on its home page, other clients
    // (scripts, tests over fetch) on the JSON view.
    return c.redirect(returnTo ?? (wantsPage(c) ? '/' : '/api/me'), 302);
  });

  app.post('/logout', async (c) => {
    await endSession(c, deps);
    return c.body(null, 204);
  });

  /** Code exchange with PKCE, state, nonce and issuer checks; any failure is one refusal page. */
  async function verifiedClaims(c: Context<AppEnv>, connection: SsoConnection, state: string, tx: LoginTransaction) {
    const configuration = await idpConfiguration(c, connection);
    if (configuration instanceof Response) return configuration;
    try {
      return await exchangeCode(configuration, { redirectUri: callbackUrl(connection.orgSlug), query: new URL(c.req.url).searchParams, state, tx });
    } catch (err) {
      // Mix-up (iss), nonce, PKCE, replayed code: all end here; details go to the log, not the page.
      // The cause chain names which check failed; openid-client's own message is the same for several.
      log.warn({ requestId: c.get('requestId'), err }, 'authorization response rejected');
      c.get('metrics').countSignIn('refused', 'response_rejected');
      return show(c, 400, 'Sign-in failed', unverifiable, startAgain);
    }
  }

  /** Rotation: any session this browser had is revoked; the new one gets a new id. */
  async function startSession(c: Context<AppEnv>, memberId: string) {
    const previous = getCookie(c, sessionCookieName(config));
    if (previous) await revokeSession(sql, previous);
    const sessionId = await createSession(sql, config, memberId);
    setCookie(c, sessionCookieName(config), sessionId, { ...cookieOptions(config), maxAge: config.session.absoluteHours * 3600 });
  }

  async function idpConfiguration(c: Context<AppEnv>, connection: SsoConnection) {
    try {
      return await oidcConfiguration(config, connection);
    } catch (err) {
      log.error({ requestId: c.get('requestId'), err, issuer: connection.issuer }, 'identity provider discovery failed');
      return show(c, 502, 'Identity provider unavailable', `We could not reach ${connection.orgName}'s identity provider. Try again in a few minutes.`, startAgain);
    }
  }

  return app;
}
