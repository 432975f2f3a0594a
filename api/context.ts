import type { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { SessionMember } from '../auth/sessions.ts';
import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import type { ApiMetrics } from '../metrics/api-metrics.ts';

export interface AppDeps {
  config: Config;
  sql: Sql;
  temporal: { client: Client; connection: Connection };
  log: Logger;
  /** True once the process is shutting down: /readyz turns 503 and answers close their connections. */
  draining?: () => boolean;
  /** Where the app counts requests, sign-ins and SCIM calls; a registry of its own when absent. */
  metrics?: ApiMetrics;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    member: SessionMember | undefined;
    metrics: ApiMetrics;
  };
}
