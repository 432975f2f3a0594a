import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';

// A proxy until a tracer provider is installed (api/main.ts, when tracing is on); without one its spans are no-ops.
const tracer = trace.getTracer('sso-provisioning-api');

/**
 * One server span per request, active while the request is handled, so the workflow starts and
 * updates it makes are its children (docs/tracing.md). It is named by the route pattern that
 * answered (`GET /auth/:org/callback`), never by the URL: paths and queries carry ids, emails,
 * authorization codes and state. A trace context sent by the caller is not joined: the api is
 * where traces begin, and no one outside decides what our spans belong to.
 */
export function httpServerSpans(): MiddlewareHandler {
  return (c, next) =>
    tracer.startActiveSpan(c.req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method } }, async (span) => {
      try {
        await next();
      } finally {
        // After next(): the index of the handler that answered, or of the last middleware when none did.
        const route = routePath(c);
        span.updateName(`${c.req.method} ${route}`);
        span.setAttribute('http.route', route);
        span.setAttribute('http.response.status_code', c.res.status);
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
}
