import type { MiddlewareHandler } from 'hono';
import type { Sql } from '../../db/client.ts';
import { authenticateScimToken } from '../../db/scim-tokens.ts';
import { ScimError } from '../../domain/scim/errors.ts';
import type { ScimEnv } from './context.ts';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/** The bearer token alone decides the organisation; missing, unknown and revoked tokens are alike a 401. */
export function scimAuth(sql: Sql): MiddlewareHandler<ScimEnv> {
  return async (c, next) => {
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    const client = token ? await authenticateScimToken(sql, token) : undefined;
    if (!client) {
      c.header('WWW-Authenticate', 'Bearer realm="scim"');
      throw new ScimError(
        401,
        token
          ? 'The bearer token is not valid (revoked, rotated or mistyped): ask the operator for the current SCIM token.'
          : 'Send the SCIM token of your organisation as "Authorization: Bearer <token>".',
      );
    }
    c.set('scim', client);
    await next();
  };
}
