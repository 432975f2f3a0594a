import * as oauth from 'oauth4webapi';
import { boundedFetch } from '../auth/bounded-fetch.ts';
import type { CodecOidcSettings } from './config.ts';
import { carriesRequiredClaim } from './required-claim.ts';

/** Which check an access token failed: logged, and worded for the caller. */
export type FailedCheck = 'expired' | 'not_yet_valid' | 'issuer' | 'audience' | 'type' | 'unknown_key' | 'signature' | 'algorithm' | 'malformed' | 'required_claim';

const REASONS: Record<FailedCheck, string> = {
  expired: 'it has expired; sign in to the Temporal UI again',
  not_yet_valid: 'it is not valid yet (check the clocks)',
  issuer: 'another issuer than CODEC_OIDC_ISSUER issued it',
  audience: 'it was issued for another audience than CODEC_OIDC_AUDIENCE',
  type: 'it is not a JWT access token (RFC 9068, typ at+jwt)',
  unknown_key: "it is signed with a key the issuer's JWKS does not hold",
  signature: "its signature does not verify against the issuer's keys",
  algorithm: 'it is signed with an algorithm this server does not accept',
  malformed: 'it is not a well-formed JWT access token (nor one of CODEC_SERVER_TOKENS)',
  required_claim: 'it lacks the claim this codec server requires (CODEC_OIDC_REQUIRED_CLAIM)',
};

export class AccessTokenRefused extends Error {
  override name = 'AccessTokenRefused';
  constructor(readonly check: FailedCheck) {
    super(`The access token was refused: ${REASONS[check]}. Nothing was decoded.`);
  }
}

/** The IdP did not answer usably (down, slow, too large, not JSON): no fault of the token, so no 401. */
export class IdentityProviderUnavailable extends Error {
  override name = 'IdentityProviderUnavailable';
}

/** Who decoded, for the log: identifiers, never the token. */
export interface Operator {
  sub: string;
  clientId: string;
}

export interface AccessTokenVerifier {
  verify(token: string): Promise<Operator>;
}

export interface VerifierOptions {
  /** Bounds each request to the IdP (discovery, JWKS); the UI is waiting. */
  timeoutMs?: number;
  /** oauth4webapi's default: the clocks of the IdP and this server may differ by this much. */
  clockToleranceSeconds?: number;
}

/** The issuer's metadata rarely changes; rediscovered hourly, and a failed rediscovery keeps the last. */
const DISCOVERY_MAX_AGE_MS = 60 * 60 * 1000;
const RETRY_DISCOVERY_AFTER_MS = 60 * 1000;

const code = (err: unknown) => (err as { code?: unknown }).code;
const claimOf = (err: unknown) => ((err as { cause?: { claim?: unknown } }).cause ?? {}).claim;

/** oauth4webapi's refusal, named by the check that failed; oauth4webapi checks claims before the signature. */
function failedCheck(err: oauth.OperationProcessingError | oauth.UnsupportedOperationError): FailedCheck {
  if (err instanceof oauth.UnsupportedOperationError) return 'algorithm';
  if (err.code === oauth.JWT_TIMESTAMP_CHECK) return claimOf(err) === 'exp' ? 'expired' : 'not_yet_valid';
  if (err.code === oauth.JWT_CLAIM_COMPARISON) return claimOf(err) === 'iss' ? 'issuer' : 'audience';
  if (err.code === oauth.KEY_SELECTION) return 'unknown_key';
  if (err.message === 'JWT signature verification failed') return 'signature';
  if (err.message.includes('"typ"')) return 'type';
  if (err.message.includes('"alg"')) return 'algorithm';
  return 'malformed';
}

/** Errors about the IdP's answer (the JWKS), as opposed to the token: oauth4webapi words those about `"response"`. */
const isAboutIdpAnswer = (err: unknown) =>
  err instanceof oauth.OperationProcessingError &&
  (code(err) === oauth.RESPONSE_IS_NOT_JSON || code(err) === oauth.RESPONSE_IS_NOT_CONFORM || err.message.startsWith('"response"'));

/**
 * Verifies the access token the Temporal UI forwards (RFC 9068): signature against the issuer's
 * JWKS, `iss`, `aud`, `exp`, `typ: at+jwt`, then CODEC_OIDC_REQUIRED_CLAIM. Discovery happens on
 * first use, not at start-up, so the codec server starts (and static tokens work) while the IdP is
 * down. oauth4webapi keeps the JWKS per metadata object for 5 minutes and refetches it (at most
 * once a minute) for an unknown `kid`, which covers key rotation. The issuer is the operator's own
 * setting, not typed by a customer, so internal addresses are allowed; only time and size are bounded.
 */
export function createAccessTokenVerifier(settings: CodecOidcSettings, { timeoutMs = 5_000, clockToleranceSeconds = 30 }: VerifierOptions = {}): AccessTokenVerifier {
  const bounded = boundedFetch();
  const http = {
    signal: () => AbortSignal.timeout(timeoutMs),
    [oauth.allowInsecureRequests]: settings.allowHttp,
    [oauth.customFetch]: async (url: string, options: oauth.CustomFetchOptions<'GET'>) => {
      let response: Response;
      try {
        response = await bounded(url, options);
      } catch (err) {
        throw new IdentityProviderUnavailable(`${url} did not answer within ${timeoutMs} ms, or not within bounds: ${(err as Error).message}`, { cause: err });
      }
      if (response.status !== 200) throw new IdentityProviderUnavailable(`${url} answered HTTP ${response.status}`);
      return response;
    },
  };

  let known: { server: oauth.AuthorizationServer; nextDiscoveryAt: number } | undefined;
  let discovering: Promise<oauth.AuthorizationServer> | undefined;

  async function discover(): Promise<oauth.AuthorizationServer> {
    try {
      const server = await oauth.processDiscoveryResponse(settings.issuer, await oauth.discoveryRequest(settings.issuer, http));
      if (typeof server.jwks_uri !== 'string') throw new IdentityProviderUnavailable(`${settings.issuer.href} publishes no jwks_uri`);
      known = { server, nextDiscoveryAt: Date.now() + DISCOVERY_MAX_AGE_MS };
      return server;
    } catch (err) {
      if (!known) throw err instanceof IdentityProviderUnavailable ? err : new IdentityProviderUnavailable(`discovery of ${settings.issuer.href} failed: ${(err as Error).message}`, { cause: err });
      known.nextDiscoveryAt = Date.now() + RETRY_DISCOVERY_AFTER_MS;
      return known.server;
    } finally {
      discovering = undefined;
    }
  }

  const authorizationServer = () => (known && Date.now() < known.nextDiscoveryAt ? Promise.resolve(known.server) : (discovering ??= discover()));

  return {
    async verify(token) {
      const server = await authorizationServer();
      // Only the Authorization header: a DPoP header on the caller's request must not change the rules.
      const request = new Request(settings.issuer, { headers: { authorization: `Bearer ${token}` } });
      let claims: oauth.JWTAccessTokenClaims;
      try {
        claims = await oauth.validateJwtAccessToken(server, request, settings.audience, { ...http, [oauth.clockTolerance]: clockToleranceSeconds });
      } catch (err) {
        if (err instanceof IdentityProviderUnavailable) throw err;
        if (isAboutIdpAnswer(err)) throw new IdentityProviderUnavailable(`the JWKS of ${settings.issuer.href} is unusable: ${(err as Error).message}`, { cause: err });
        if (err instanceof oauth.OperationProcessingError || err instanceof oauth.UnsupportedOperationError) throw new AccessTokenRefused(failedCheck(err));
        throw err;
      }
      if (settings.requiredClaim && !carriesRequiredClaim(claims, settings.requiredClaim)) throw new AccessTokenRefused('required_claim');
      return { sub: claims.sub, clientId: claims.client_id };
    },
  };
}
