import type { Client, Connection } from '@temporalio/client';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { errorHandler } from './errors.ts';
import { requestLogger } from './request-logger.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppDeps {
  config: Config;
  sql: Sql;
  temporal: { client: Client; connection: Connection };
  log: Logger;
}

export function createApp(deps: AppDeps) {
  const { sql, temporal, log } = deps;
  const app = new Hono();
  app.use(requestId());
  app.use(requestLogger(log));
  app.onError(errorHandler(log));
  app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404));

  app.route(
    '/',
    healthRoutes({
      postgres: () => sql`select 1`,
      temporal: () => temporal.connection.healthService.check({}),
    }),
  );
  return app;
}
