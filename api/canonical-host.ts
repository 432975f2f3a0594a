import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config/index.ts';

/**
 * Sends the browser to PUBLIC_URL's host (same path and query) when it arrived under another name
 * (127.0.0.1 for localhost, an internal hostname): a sign-in's cookie belongs to the host it was
 * set on, and the IdP returns to PUBLIC_URL's callback, which would never see it. The target is
 * always PUBLIC_URL's origin, so a forged Host or X-Forwarded-Host cannot redirect anywhere else.
 * Only the host is compared: TLS may end at a proxy, so the scheme seen here proves nothing.
 */
export function canonicalHost(config: Config): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const forwardedHost = config.trustProxyHops > 0 ? c.req.header('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
    if ((forwardedHost || url.host).toLowerCase() === config.publicUrl.host) return next();
    // A POST (the cross-site confirmation) cannot be replayed elsewhere past the CSRF origin check:
    // 303 makes it the GET that starts over on the right host.
    const status = c.req.method === 'GET' || c.req.method === 'HEAD' ? 302 : 303;
    return c.redirect(`${config.publicUrl.origin}${url.pathname}${url.search}`, status);
  };
}
