import type { MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { ClientError } from './errors.ts';

/**
 * Writes with a cookie must come from our own pages: hono's CSRF check refuses cross-site form
 * posts, and this names the origin they must come from instead of its bare "Forbidden".
 */
export function sameOriginForms(origin: string): MiddlewareHandler {
  const check = csrf({ origin });
  return async (c, next) => {
    let passed = false;
    try {
      await check(c, async () => {
        passed = true;
        await next();
      });
    } catch (err) {
      if (passed || !(err instanceof HTTPException) || err.status !== 403) throw err;
      throw new ClientError(403, 'cross_origin', `This form must be sent from ${origin}: open ${origin} and submit it from there.`);
    }
  };
}
