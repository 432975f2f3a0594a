import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { CodecRefusal } from './refusal.ts';

/** Who decoded, for the log: which of CODEC_SERVER_TOKENS (1-based), or the dev UI. */
export type Caller = { kind: 'token'; position: number } | { kind: 'dev-ui' };

export type CodecEnv = { Variables: { requestId: string; caller: Caller } };

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Operators only: `Authorization: Bearer <one of CODEC_SERVER_TOKENS>` (what `temporal workflow show
 * --codec-auth` sends). Tokens are compared as SHA-256 digests with timingSafeEqual, over every
 * configured token, so neither a token's length nor which one matched shows in the timing.
 * `devUiOrigins`: in development on loopback only, the dev UI's pages, which can send no credentials.
 */
export function operatorsOnly(tokens: readonly string[], devUiOrigins: readonly string[]): MiddlewareHandler<CodecEnv> {
  const digests = tokens.map(sha256);
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    if (authorization === undefined) {
      const origin = c.req.header('origin');
      if (origin === undefined || !devUiOrigins.includes(origin)) {
        c.header('WWW-Authenticate', 'Bearer realm="codec-server"');
        throw new CodecRefusal(401, 'unauthenticated', 'Send Authorization: Bearer <token>, with a token from CODEC_SERVER_TOKENS (temporal ... --codec-auth "Bearer <token>").');
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
    if (scheme.toLowerCase() !== 'bearer' || rest.length > 0 || matched === -1) {
      c.header('WWW-Authenticate', 'Bearer realm="codec-server", error="invalid_token"');
      throw new CodecRefusal(401, 'invalid_token', 'The bearer token is not one of CODEC_SERVER_TOKENS. Nothing was decoded.');
    }
    c.set('caller', { kind: 'token', position: matched + 1 });
    await next();
  };
}
