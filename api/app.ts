import { Hono } from 'hono';
import { except } from 'hono/combine';
import { requestId } from 'hono/request-id';
import { bodySizeLimit, bodyTextPolicy } from './body-policy.ts';
import { canonicalHost } from './canonical-host.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { closeConnectionsWhileDraining } from './draining.ts';
import { errorHandler, wantsPage } from './errors.ts';
import { httpServerSpans } from './http-server-spans.ts';
import { INPUT_LIMITS, requestTextPolicy } from './input-policy.ts';
import { orgSlugParam } from './org-param.ts';
import { errorPage } from './pages/error-page.ts';
import { pageRoutes } from './pages/index.ts';
import { requestLogger } from './request-logger.ts';
import { httpMetrics } from './http-metrics.ts';
import { createApiMetrics } from '../metrics/api-metrics.ts';
import { authRoutes } from './routes/auth.ts';
import { domainRoutes } from './routes/domains.ts';
import { healthRoutes } from './routes/health.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { meRoutes } from './routes/me.ts';
import { memberRoutes } from './routes/members.ts';
import { orgSiteRoutes } from './routes/org-sites.ts';
import { siteRuleRoutes } from './routes/site-rules.ts';
import { siteRoutes } from './routes/sites.ts';
import { sameOriginForms } from './same-origin-forms.ts';
import { scimRoutes } from './scim/routes.ts';
import { setupRoutes } from './setup/setup-routes.ts';
import { loadSession } from './session.ts';
import { checkTemporal } from './temporal.ts';

export type { AppDeps } from './context.ts';

export function createApp(deps: AppDeps) {
  const { sql, temporal, log, config, draining = () => false } = deps;
  const app = new Hono<AppEnv>();
  // Probes every few seconds would outnumber every other trace.
  app.use(except(['/healthz', '/readyz'], httpServerSpans()));
  app.use(requestId());
  app.use(requestLogger(log));
  app.use(httpMetrics(deps.metrics ?? createApiMetrics()));
  app.use(closeConnectionsWhileDraining(draining));
  app.onError(errorHandler(log, config));
  app.notFound((c) =>
    wantsPage(c)
      ? errorPage(c, config, 404, 'Page not found', 'There is no page at this address. Check the link; the way back is below.')
      : c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}`, requestId: c.get('requestId') }, 404),
  );
  // The input policy comes before every route, present and future (README: Input policy).
  app.use(requestTextPolicy());
  app.use(bodySizeLimit(INPUT_LIMITS.bodyBytes));

  app.route(
    '/',
    healthRoutes({
      postgres: () => sql`select 1`,
      temporal: () => checkTemporal(temporal.connection),
    }, draining),
  );
  app.use('/login', canonicalHost(config));
  app.use('/auth/:org/login', canonicalHost(config));
  // SCIM authenticates with a bearer token, which no other site can make a browser send.
  app.use(except('/scim/*', sameOriginForms(config.publicUrl.origin)));
  app.use(bodyTextPolicy(INPUT_LIMITS.jsonDepth));
  app.use('/auth/:org/*', orgSlugParam);
  app.use('/api/orgs/:org/*', orgSlugParam);
  app.use(loadSession(deps));
  app.route('/', authRoutes(deps));
  app.route('/api', meRoutes(deps));
  app.route('/api/orgs/:org/domains', domainRoutes(deps));
  app.route('/api/orgs/:org/invitations', invitationRoutes(deps));
  app.route('/api/orgs/:org/members', memberRoutes(deps));
  app.route('/api/orgs/:org/sites', orgSiteRoutes(deps));
  app.route('/api/orgs/:org/site-rules', siteRuleRoutes(deps));
  app.route('/api/sites', siteRoutes(deps));
  app.route('/scim/v2', scimRoutes(deps));
  app.route('/setup', setupRoutes(deps));
  app.route('/', pageRoutes(deps));
  return app;
}
