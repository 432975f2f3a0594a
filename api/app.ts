import { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { requestId } from 'hono/request-id';
import { canonicalHost } from './canonical-host.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { closeConnectionsWhileDraining } from './draining.ts';
import { errorHandler } from './errors.ts';
import { requestLogger } from './request-logger.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes } from './routes/health.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { meRoutes } from './routes/me.ts';
import { memberRoutes } from './routes/members.ts';
import { orgSiteRoutes } from './routes/org-sites.ts';
import { siteRoutes } from './routes/sites.ts';
import { loadSession } from './session.ts';
import { checkTemporal } from './temporal.ts';

export type { AppDeps } from './context.ts';

export function createApp(deps: AppDeps) {
  const { sql, temporal, log, config, draining = () => false } = deps;
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(requestLogger(log));
  app.use(closeConnectionsWhileDraining(draining));
  app.onError(errorHandler(log));
  app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404));

  app.route(
    '/',
    healthRoutes({
      postgres: () => sql`select 1`,
      temporal: () => checkTemporal(temporal.connection),
    }, draining),
  );
  app.use('/login', canonicalHost(config));
  app.use('/auth/:org/login', canonicalHost(config));
  // Writes with a cookie must come from our own pages: cross-site form posts are refused.
  app.use(csrf({ origin: config.publicUrl.origin }));
  app.use(loadSession(deps));
  app.route('/', authRoutes(deps));
  app.route('/api', meRoutes(deps));
  app.route('/api/orgs/:org/invitations', invitationRoutes(deps));
  app.route('/api/orgs/:org/members', memberRoutes(deps));
  app.route('/api/orgs/:org/sites', orgSiteRoutes(deps));
  app.route('/api/sites', siteRoutes(deps));
  return app;
}
