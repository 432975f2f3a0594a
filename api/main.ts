import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { createSql } from '../db/client.ts';
import { createApp } from './app.ts';

const config = loadConfig();
const log = createLogger(config.logLevel).child({ component: 'api' });
const sql = createSql(config.databaseUrl);
// Lazy: the api starts (and /readyz says so) even while Temporal is still coming up.
const connection = Connection.lazy({ address: config.temporal.address });
const client = new Client({ connection, namespace: config.temporal.namespace });
const app = createApp({ config, sql, temporal: { client, connection }, log });

const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
  log.info({ port: info.port, publicUrl: config.publicUrl.href }, 'api listening');
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'api shutting down');
  server.close();
  await Promise.allSettled([connection.close(), sql.end({ timeout: 5 })]);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
