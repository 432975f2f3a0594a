import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freePort } from '../dev/ports.ts';
import { startOtlpCollector, type OtlpCollector } from './support/otlp-collector.ts';
import { testDataConverter } from './support/payload-keys.ts';
import { deleteMaintenanceSchedules, spawnEntry, startWorkerProcess } from './support/processes.ts';
import { eventually } from './support/temporal.ts';

const taskQueue = `tracing-shutdown-${randomUUID()}`;

let collector: OtlpCollector;
let connection: Connection;
let client: Client;
let api: ChildProcess;
let worker: ChildProcess;
let apiUrl: string;

const exitOf = (child: ChildProcess) => new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

beforeAll(async () => {
  collector = await startOtlpCollector();
  // A batch that would wait ten minutes: whatever arrives before the processes exit was flushed by their shutdown.
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '600000', TASK_QUEUE: taskQueue };
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  api = spawnEntry('api/main.ts', [], { ...env, PORT: String(port), PUBLIC_URL: apiUrl, SHUTDOWN_GRACE_SECONDS: '0', LOG_LEVEL: 'warn' });
  [worker] = await Promise.all([
    startWorkerProcess(taskQueue, env),
    eventually(() => fetch(`${apiUrl}/healthz`).then((res) => res.ok || undefined, () => undefined), 60_000),
  ]);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
});
afterAll(async () => {
  for (const child of [api, worker]) if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (client) await deleteMaintenanceSchedules(client, taskQueue);
  await connection?.close();
  await collector?.stop();
});

it('flushes the spans still batched when the api and the worker stop on SIGTERM, each under its own service name', async () => {
  // Email-first sign-in: the address rides in the query string, which no span may repeat.
  expect((await fetch(`${apiUrl}/login?email=grace.hopper%40navy.example`, { redirect: 'manual' })).status).toBe(404);
  await client.workflow.execute('pruneExpiredRecordsWorkflow', { taskQueue, workflowId: `prune-${randomUUID()}`, args: [] });
  expect(collector.requests).toBe(0);

  const exits = [exitOf(api), exitOf(worker)];
  api.kill('SIGTERM');
  worker.kill('SIGTERM');
  expect(await Promise.all(exits)).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);

  const services = Object.fromEntries(collector.spans.map((s) => [s.name, s.serviceName]));
  expect(services).toMatchObject({
    'GET /login': 'sso-provisioning-api',
    'RunWorkflow:pruneExpiredRecordsWorkflow': 'sso-provisioning-worker',
    'RunActivity:pruneExpiredRecords': 'sso-provisioning-worker',
  });
  expect(JSON.stringify(collector.spans.map((s) => s.raw))).not.toMatch(/grace|navy/i);
});
