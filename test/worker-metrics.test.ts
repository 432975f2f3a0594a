import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../dev/ports.ts';
import { redeliverDirectoryEventsWorkflow } from '../workflows/index.ts';
import { sampleSum, scrape } from './support/metrics.ts';
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
  client = new Client({ connection });
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
