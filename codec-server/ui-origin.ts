import type { MiddlewareHandler } from 'hono';
import { CodecRefusal } from './refusal.ts';

/** What the Temporal UI sends (Authorization-Extras carries its ID token when it passes its access token). */
const UI_HEADERS = 'Content-Type, X-Namespace, Authorization, Authorization-Extras';

/**
 * CORS for the Temporal UI's origins only. A request from any other page is refused outright (403,
 * no CORS grant), so no other site can make an operator's browser decode for it. Requests without
 * an Origin header come from no browser page (the CLI) and go on to authentication.
 */
export function uiOriginOnly(uiOrigins: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    c.header('Vary', 'Origin');
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    if (!uiOrigins.includes(origin)) {
      throw new CodecRefusal(403, 'origin_refused', `Pages from ${origin} may not use this codec server; it serves the Temporal UI only (CODEC_SERVER_UI_ORIGIN).`);
    }
    c.header('Access-Control-Allow-Origin', origin);
    // For the UI's "include cross-origin credentials" setting; harmless otherwise, as the origin is exact.
    c.header('Access-Control-Allow-Credentials', 'true');
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'POST');
      c.header('Access-Control-Allow-Headers', UI_HEADERS);
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    await next();
  };
}
