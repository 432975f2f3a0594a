import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { ApiMetrics } from '../metrics/api-metrics.ts';
import type { AppEnv } from './context.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request and counts it by the route pattern that answered (`/api/orgs/:org/members/:id`),
 * never the path itself: ids, emails and slugs would make a series per value. A request no route
 * answered carries the pattern of the last middleware it passed (`/*`), a bounded set too.
 */
export function httpMetrics(metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('metrics', metrics);
    const stop = metrics.httpRequests.startTimer();
    try {
      await next();
    } finally {
      const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      stop({ method, route: routePath(c) || 'unmatched', status: String(c.res.status) });
    }
  };
}

/** Counts SCIM requests by status, refusals of the bearer token included (mounted before it). */
export function scimMetrics(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    c.get('metrics').scimRequests.inc({ method, status: String(c.res.status) });
  };
}
