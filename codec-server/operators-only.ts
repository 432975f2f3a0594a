import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { AccessTokenRefused, IdentityProviderUnavailable, type AccessTokenVerifier } from './access-tokens.ts';
import { CodecRefusal } from './refusal.ts';

/** Who decoded, for the log: which of CODEC_SERVER_TOKENS (1-based), the operator whose access token the UI forwarded, or the dev UI. */
export type Caller = { kind: 'token'; position: number } | { kind: 'access-token'; sub: string; clientId: string } | { kind: 'dev-ui' };

export type CodecEnv = { Variables: { requestId: string; caller: Caller } };

const sha256 = (value: string) => createHash('sha256').update(value).digest();

export interface OperatorsOnlyOptions {
  tokens: readonly string[];
  /** With CODEC_OIDC_ISSUER: the access tokens the Temporal UI forwards. */
  accessTokens?: AccessTokenVerifier;
  /** In development on loopback only, the dev UI's pages, which can send no credentials. */
  devUiOrigins: readonly string[];
  log: Logger;
}

const challenge = (c: Context, error?: string) => c.header('WWW-Authenticate', `Bearer realm="codec-server"${error ? `, error="${error}"` : ''}`);

/**
 * Operators only: `Authorization: Bearer <one of CODEC_SERVER_TOKENS>` (what `temporal workflow show
 * --codec-auth` sends), or, with CODEC_OIDC_ISSUER, the operator's access token that the Temporal UI
 * forwards. Static tokens are compared first, as SHA-256 digests with timingSafeEqual over every
 * configured token, so neither a token's length nor which one matched shows in the timing; a bearer
 * token that is none of them goes to the access-token verifier.
 */
export function operatorsOnly({ tokens, accessTokens, devUiOrigins, log }: OperatorsOnlyOptions): MiddlewareHandler<CodecEnv> {
  const digests = tokens.map(sha256);
  const credentials = accessTokens ? 'a token from CODEC_SERVER_TOKENS or the Temporal UI\'s access token' : 'a token from CODEC_SERVER_TOKENS';
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    if (authorization === undefined) {
      const origin = c.req.header('origin');
      if (origin === undefined || !devUiOrigins.includes(origin)) {
        challenge(c);
        throw new CodecRefusal(401, 'unauthenticated', `Send Authorization: Bearer <token>, with ${credentials} (temporal ... --codec-auth "Bearer <token>").`);
      }
      c.set('caller', { kind: 'dev-ui' });
      return next();
    }
    const [scheme = '', token = '', ...rest] = authorization.trim().split(/\s+/);
    const presented = sha256(token);
    let matched = -1;
    digests.forEach((digest, index) => {
      if (timingSafeEqual(digest, presented) && matched === -1) matched = index;
    });
    const isBearer = scheme.toLowerCase() === 'bearer' && token !== '' && rest.length === 0;
    if (isBearer && matched !== -1) {
      c.set('caller', { kind: 'token', position: matched + 1 });
      return next();
    }
    if (!isBearer || !accessTokens) {
      challenge(c, 'invalid_token');
      throw new CodecRefusal(401, 'invalid_token', `The bearer token is not ${credentials}. Nothing was decoded.`);
    }
    try {
      const operator = await accessTokens.verify(token);
      c.set('caller', { kind: 'access-token', ...operator });
    } catch (err) {
      if (err instanceof AccessTokenRefused) {
        log.info({ requestId: c.get('requestId'), check: err.check }, 'access token refused');
        challenge(c, 'invalid_token');
        throw new CodecRefusal(401, 'invalid_token', err.message);
      }
      if (err instanceof IdentityProviderUnavailable) {
        log.warn({ requestId: c.get('requestId'), reason: err.message }, 'access token not verifiable: identity provider unavailable');
        throw new CodecRefusal(503, 'idp_unavailable', "The operators' identity provider did not answer, so the access token could not be verified; try again shortly.");
      }
      throw err;
    }
    await next();
  };
}
