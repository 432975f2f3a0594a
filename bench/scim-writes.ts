/**
 * `npm run bench:scim`: sustained SCIM writes per second over real HTTP, against a real Temporal
 * dev server, a real worker and a fresh PostgreSQL database. Four phases, each BENCH_SCIM_N
 * requests with BENCH_SCIM_CONCURRENCY in flight: creates (member, link, signal-with-start of the
 * lifecycle), deactivations (PATCH active false: a signal each), profile PUTs (no signal) and deletes (a signal each).
 */
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import postgres from 'postgres';
import { createApp } from '../api/app.ts';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { createSql } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { freePort } from '../dev/ports.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer } from '../dev/temporal-server.ts';
import { createOrg, addDomain } from '../operator/operations.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { okta } from '../test/support/scim-fixtures.ts';
import { createWorker } from '../worker/create-worker.ts';
import { createMailer } from '../worker/mailer.ts';

const N = Number(process.env.BENCH_SCIM_N ?? 300);
const CONCURRENCY = Number(process.env.BENCH_SCIM_CONCURRENCY ?? 8);
const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

/** N requests, CONCURRENCY at a time; every answer must have the expected status. */
async function phase(name: string, expected: number, request: (i: number) => Promise<Response>) {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < N; i = next++) {
        const t = performance.now();
        const res = await request(i);
        await res.text();
        if (res.status !== expected) throw new Error(`${name} #${i}: HTTP ${res.status}`);
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`${name.padEnd(34)} ${(N / seconds).toFixed(1).padStart(7)} writes/s   p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(times, 99).toFixed(1).padStart(6)} ms`);
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const dbName = `sso_bench_scim_${randomBytes(4).toString('hex')}`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const server = await startTemporalDevServer({ cli: await resolveTemporalCli(), namespace: 'default' });
await migrate(databaseUrl);
const sql = createSql(databaseUrl);
const native = await NativeConnection.connect({ address: server.address });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
const port = await freePort();
const config = loadConfig({ APP_ENV: 'test', TASK_QUEUE: 'bench-scim', PUBLIC_URL: `http://localhost:${port}`, LOG_LEVEL: 'silent' });
const worker = await createWorker({
  connection: native,
  namespace: 'default',
  taskQueue: 'bench-scim',
  concurrency: config.workerConcurrency,
  sql,
  mailer: createMailer('smtp://127.0.0.1:1', 'x@y'),
  client,
  reminders: { policy: config.reminders, publicUrl: config.publicUrl, recipientAttempts: config.reminderRecipientAttempts },
});
const running = worker.run();
const app = createApp({ config, sql, temporal: { client, connection }, log: createLogger('silent') });
const http = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });

try {
  await createOrg(sql, { slug: 'bench', name: 'Bench' });
  await addDomain(sql, { org: 'bench', domain: 'bench.test' });
  const { token } = await createScimToken(sql, { org: 'bench' });
  // As Okta and Entra send them: a DELETE has no body and no content type.
  const call = (method: string, path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${port}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const ids: string[] = [];
  console.log(`\nN = ${N} requests per phase, ${CONCURRENCY} in flight, over HTTP on this machine\n`);
  await phase('POST /Users (create + start)', 201, async (i) => {
    const res = await call('POST', '/Users', okta.create(`user-${i}@bench.test`, `ext-${i}`));
    ids[i] = ((await res.clone().json()) as { id: string }).id;
    return res;
  });
  await phase('PATCH active=false (signal)', 200, (i) => call('PATCH', `/Users/${ids[i]}`, okta.setActive(false)));
  await phase('PUT profile change (no signal)', 200, (i) => call('PUT', `/Users/${ids[i]}`, okta.replace(ids[i]!, `user-${i}@bench.test`, `ext-${i}`, 'Renamed', `No ${i}`, false)));
  await phase('DELETE /Users/{id} (signal)', 204, (i) => call('DELETE', `/Users/${ids[i]}`, undefined));
} finally {
  http.close();
  worker.shutdown();
  await running;
  await Promise.all([connection.close(), native.close(), sql.end()]);
  await server.stop();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
}
