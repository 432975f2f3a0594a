import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../dev/ports.ts';
import { createSql } from '../db/client.ts';
import { createApiMetrics } from '../metrics/api-metrics.ts';
import { registerDatabaseGauges } from '../metrics/database-gauges.ts';
import { redeliverDirectoryEventsWorkflow } from '../workflows/index.ts';
import { alertRules, exposedNames, metricNames } from './support/alert-rules.ts';
import { testDataConverter } from './support/payload-keys.ts';
import { sampleSum, scrape } from './support/metrics.ts';
import { eventually } from './support/temporal.ts';
import { privateDatabase } from './support/private-database.ts';
import { deleteMaintenanceSchedules, startWorkerProcess } from './support/processes.ts';

// worker/main.ts as deployed, with METRICS_PORT set: its /metrics carries the Core SDK's exporter too.
// A database of its own: the workflow run here (the directory backstop) reads every organisation's events.
const taskQueue = `metrics-${randomUUID()}`;
let db: Awaited<ReturnType<typeof privateDatabase>>;
let worker: ChildProcessWithoutNullStreams | undefined;
let connection: Connection;
let client: Client;
let metricsUrl: string;

beforeAll(async () => {
  db = await privateDatabase();
  const [port, sdkPort] = await Promise.all([freePort(), freePort()]);
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = await startWorkerProcess(taskQueue, { DATABASE_URL: db.url, METRICS_PORT: String(port), SDK_METRICS_ADDRESS: `127.0.0.1:${sdkPort}` });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, dataConverter: testDataConverter });
}, 60_000);
afterAll(async () => {
  if (client) await deleteMaintenanceSchedules(client, taskQueue);
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGINT');
    await exited;
  }
  await connection?.close();
  await db?.drop();
}, 60_000);

it("the worker's /metrics carries the Core SDK's worker, poll and task metrics, moved by a workflow it ran", async () => {
  const before = await scrape(metricsUrl);
  expect(sampleSum(before, 'sso_sdk_metrics_up')).toBe(1);
  const completed = { name: 'temporal_workflow_completed_total', labels: { task_queue: taskQueue } };
  const scheduleToStart = { name: 'temporal_workflow_task_schedule_to_start_latency_count', labels: { task_queue: taskQueue } };

  await client.workflow.execute(redeliverDirectoryEventsWorkflow, { taskQueue, workflowId: `metrics-backstop-${randomUUID()}`, args: [{}] });

  const after = await scrape(metricsUrl);
  expect(sampleSum(after, completed.name, completed.labels)).toBe(sampleSum(before, completed.name, completed.labels) + 1);
  expect(sampleSum(after, scheduleToStart.name, scheduleToStart.labels)).toBeGreaterThan(sampleSum(before, scheduleToStart.name, scheduleToStart.labels));
  // Slots and pollers, what the alerts and dashboards of docs/metrics.md read.
  expect(after).toMatch(/^temporal_worker_task_slots_available\{.*worker_type="ActivityWorker"/m);
  expect(after).toMatch(/^temporal_num_pollers\{/m);
  expect(after).toMatch(/^temporal_long_request_total\{/m);
  // The worker's own metrics, on the same target.
  expect(after).toMatch(/^# TYPE sso_reminder_digests_total counter/m);
  expect(after).toMatch(/^process_cpu_seconds_total /m);
}, 60_000);

it('counts workflow task failures: a workflow of a type the worker does not know fails its task', async () => {
  const failed = { name: 'temporal_workflow_task_execution_failed_total', labels: { task_queue: taskQueue } };
  const before = sampleSum(await scrape(metricsUrl), failed.name, failed.labels);
  const handle = await client.workflow.start('noSuchWorkflow', { taskQueue, workflowId: `metrics-unknown-${randomUUID()}`, args: [] });
  try {
    await eventually(async () => (sampleSum(await scrape(metricsUrl), failed.name, failed.labels) > before ? true : undefined), 20_000);
  } finally {
    await handle.terminate('test over');
  }
}, 30_000);

it('every metric the alert rules read is one the api, the worker or its SDK really exports', async () => {
  const sql = createSql(db.url, { max: 1 });
  try {
    const api = createApiMetrics();
    registerDatabaseGauges(api.registry, sql);
    const exported = new Set([...exposedNames(await api.registry.metrics()), ...exposedNames(await scrape(metricsUrl))]);
    // Series Prometheus itself writes (`up`, per target) and the blackbox exporter's probe result.
    const fromPrometheus = new Set(['up', 'probe_success']);
    const missing = alertRules().flatMap((rule) => metricNames(rule.expr).filter((name) => !exported.has(name) && !fromPrometheus.has(name)).map((name) => `${rule.alert}: ${name}`));
    expect(missing).toEqual([]);
  } finally {
    await sql.end();
  }
}, 30_000);
