import { Hono } from 'hono';
import { ScimError } from '../../domain/scim/errors.ts';
import type { AppDeps } from '../context.ts';
import { scimMetrics } from '../http-metrics.ts';
import { scimAuth } from './auth.ts';
import type { ScimEnv } from './context.ts';
import { discoveryRoutes } from './discovery.ts';
import { groupRoutes } from './groups.ts';
import { userRoutes } from './users.ts';

/** The SCIM 2.0 service provider (RFC 7643/7644) at /scim/v2, for an organisation's directory. */
export function scimRoutes(deps: AppDeps) {
  const baseUrl = `${deps.config.publicUrl.href.replace(/\/$/, '')}/scim/v2`;
  const app = new Hono<ScimEnv>();
  app.use(scimMetrics());
  app.use(scimAuth(deps.sql));
  app.route('/', discoveryRoutes(baseUrl));
  app.route('/Users', userRoutes(deps, baseUrl));
  app.route('/Groups', groupRoutes(deps, baseUrl));
  app.all('*', (c) => {
    throw new ScimError(404, `No SCIM endpoint ${c.req.method} ${c.req.path.slice(0, 200)}: this service has /Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas.`);
  });
  return app;
}
