import * as oidc from 'openid-client';
import type { Config } from '../config/index.ts';
import type { IdTokenClaims } from '../domain/sign-in.ts';
import type { LoginTransaction } from './login-transactions.ts';
import { cookieName } from './sessions.ts';
import { sha256 } from './tokens.ts';

/**
 * A redirect URI per organisation: a code arriving here can only be meant for this org's IdP, which
 * defeats mix-up even when the IdP sends no RFC 9207 `iss` (OAuth security BCP 4.4.2). Sign-ins and
 * the setup's test sign-ins share it, so the IdP needs exactly one registered.
 */
export const redirectUri = (publicUrl: URL, orgSlug: string) => new URL(`/auth/${encodeURIComponent(orgSlug)}/callback`, publicUrl);

/** One cookie per attempt (several tabs may sign in at once), named after the state's hash. */
export const loginCookieName = (config: Config, state: string) => cookieName(config, `login-${sha256(state).toString('hex').slice(0, 16)}`);

/** Fresh per attempt, stored server-side (login_transactions), each consumed once at the callback. */
export const newAttempt = () => ({ state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() });

export interface AuthorizationRequest {
  redirectUri: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
  extraScopes?: string[];
  loginHint?: string | undefined;
}

/** The authorization code flow's first leg: PKCE (S256), state and nonce always. */
export async function authorizationUrl(configuration: oidc.Configuration, request: AuthorizationRequest): Promise<URL> {
  return oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: request.redirectUri.href,
    scope: ['openid', 'email', 'profile', ...(request.extraScopes ?? [])].join(' '),
    state: request.state,
    nonce: request.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
    code_challenge_method: 'S256',
    ...(request.loginHint ? { login_hint: request.loginHint } : {}),
  });
}

/**
 * Code exchange with PKCE, state, nonce and issuer checks (mix-up: RFC 9207 `iss` when present);
 * throws on any failure, with the check that failed in the error's cause chain.
 */
export async function exchangeCode(
  configuration: oidc.Configuration,
  { redirectUri: uri, query, state, tx }: { redirectUri: URL; query: URLSearchParams; state: string; tx: LoginTransaction },
): Promise<IdTokenClaims> {
  const tokens = await oidc.authorizationCodeGrant(configuration, new URL(`${uri.href}?${query}`), {
    pkceCodeVerifier: tx.codeVerifier,
    expectedState: state,
    expectedNonce: tx.nonce,
    idTokenExpected: true,
  });
  return tokens.claims() as IdTokenClaims;
}
