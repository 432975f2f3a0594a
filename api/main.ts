import { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { createSql } from '../db/client.ts';
import { startTracing, tracingClientInterceptors } from '../temporal/tracing.ts';
import { dataConverter } from '../temporal/data-converter.ts';
import { surviveArrayTypeReadFailures } from '../db/driver-rejections.ts';
import { createApiMetrics } from '../metrics/api-metrics.ts';
import { serveApiMetrics } from '../metrics/endpoints.ts';
import { createApp } from './app.ts';
import { closeServer } from './shutdown.ts';
import { closeTemporal, LONGEST_TEMPORAL_WAIT_MS } from './temporal.ts';

// A sign-in callback that is already waiting on Temporal gets its answer; anything slower is cut.
const DRAIN_DEADLINE_MS = LONGEST_TEMPORAL_WAIT_MS + 5_000;

const config = loadConfig();
const log = createLogger(config.logLevel).child({ component: 'api' });
surviveArrayTypeReadFailures(log);
const tracing = config.tracing && startTracing(config.tracing, 'sso-provisioning-api');
const sql = createSql(config.databaseUrl, { max: config.databasePoolMax });
// Lazy: the api starts (and /readyz says so) even while Temporal is still coming up.
const connection = Connection.lazy({ address: config.temporal.address });
const client = new Client({ connection, namespace: config.temporal.namespace, interceptors: tracingClientInterceptors(tracing), dataConverter: dataConverter(config.payloadKeys) });
let draining = false;
const metrics = createApiMetrics();
const app = createApp({ config, sql, temporal: { client, connection }, log, draining: () => draining, metrics });
// Its own listener, never the public port (docs/metrics.md).
const metricsServer = await serveApiMetrics(config.metrics, metrics, sql);
if (metricsServer) log.info({ port: metricsServer.port, host: config.metrics.host }, 'metrics listening');

const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
  log.info({ port: info.port, publicUrl: config.publicUrl.href }, 'api listening');
});
// A client trickling its headers or its (at most 64 kB) body holds a connection only this long.
if (server instanceof Server) {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
}

/**
 * /readyz turns 503 at once; on SIGTERM (orchestrators) the listener stays open for the grace
 * period, until load balancers have seen that and send nothing new; SIGINT (a terminal) skips it.
 * Requests in flight finish before PostgreSQL and Temporal close, bounded by the drain deadline.
 */
async function shutdown(signal: NodeJS.Signals) {
  if (draining) return;
  draining = true;
  const graceMs = signal === 'SIGTERM' ? config.shutdownGraceSeconds * 1_000 : 0;
  log.info({ signal, graceMs, drainDeadlineMs: DRAIN_DEADLINE_MS }, 'api draining');
  await sleep(graceMs);
  log.info('api closed to new connections; finishing requests in flight');
  if (!(await closeServer(server, DRAIN_DEADLINE_MS))) log.warn({ drainDeadlineMs: DRAIN_DEADLINE_MS }, 'drain deadline passed; requests still in flight were cut');
  // The last requests' spans have ended by now: flushing them is the last thing before exit.
  await Promise.allSettled([closeTemporal(connection), sql.end({ timeout: 5 }), metricsServer?.close(), tracing?.shutdown()]);
  log.info('api stopped');
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
