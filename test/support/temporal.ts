import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ReminderSettings } from '../../activities/reminders.ts';
import { loadConfig } from '../../config/index.ts';
import { createSql, type Sql } from '../../db/client.ts';
import { tracingClientInterceptors } from '../../temporal/tracing.ts';
import { createWorker, type CreateWorkerOptions } from '../../worker/create-worker.ts';
import { createMailer } from '../../worker/mailer.ts';
import { testDataConverter, testEmailHash } from './payload-keys.ts';

let runtimeInstalled = false;

/** Keeps worker logs to warnings so test output stays readable. */
export function quietRuntime() {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export interface TestHarness {
  sql: Sql;
  client: Client;
  connection: Connection;
  /** For extra workers a test starts beside the harness's own. */
  nativeConnection: NativeConnection;
  taskQueue: string;
  stop(): Promise<void>;
}

/** The production defaults (a first reminder after an hour): tests that do not look at reminders never see one. */
export function reminderSettings(env: Record<string, string> = {}): ReminderSettings {
  const config = loadConfig({ APP_ENV: 'test', ...env });
  return { policy: config.reminders, publicUrl: config.publicUrl, recipientAttempts: config.reminderRecipientAttempts };
}

/** A real worker on its own task queue against the run's (or the given) Temporal server and database (and SMTP server, if given). */
export async function startHarness({
  smtpUrl = 'smtp://127.0.0.1:1',
  taskQueue = `test-${randomUUID()}`,
  address = inject('temporalAddress'),
  databaseUrl = inject('databaseUrl'),
  reminders = reminderSettings(),
  dns,
  wrapActivities,
  metrics,
  tracing,
  dataConverter = testDataConverter,
}: { smtpUrl?: string; taskQueue?: string; address?: string; databaseUrl?: string; reminders?: ReminderSettings } & Pick<
  CreateWorkerOptions,
  'wrapActivities' | 'dns' | 'metrics' | 'tracing'
> &
  Partial<Pick<CreateWorkerOptions, 'dataConverter'>> = {}): Promise<TestHarness> {
  quietRuntime();
  // The production pool and concurrency (config defaults), so tests run the shape that ships.
  const config = loadConfig({ APP_ENV: 'test' });
  const sql = createSql(databaseUrl, { max: config.databasePoolMax });
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', interceptors: tracingClientInterceptors(tracing), dataConverter });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    dataConverter,
    hashMemberEmail: testEmailHash,
    concurrency: config.workerConcurrency,
    sql,
    mailer: createMailer(smtpUrl, 'Test <no-reply@test.local>'),
    client,
    reminders,
    ...(dns ? { dns } : {}),
    workflowBundle: { codePath: inject(tracing ? 'tracedWorkflowBundlePath' : 'workflowBundlePath') },
    ...(wrapActivities ? { wrapActivities } : {}),
    ...(metrics ? { metrics } : {}),
    tracing,
  });
  const running = worker.run();
  return {
    sql,
    client,
    connection,
    nativeConnection,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([connection.close(), nativeConnection.close(), sql.end({ timeout: 5 })]);
    },
  };
}

/** Polls until `check` returns a value other than undefined; visibility and projections are eventually consistent. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Until the organisation has a member whose lifecycle recorded its start: a sign-in's lifecycle
 * writes that audit event a moment after the sign-in answers, so snapshots of the org wait for it.
 */
export const untilLifecycleStarted = (sql: Sql, orgId: string) =>
  eventually(async () => {
    const rows = await sql`select 1 from audit_events where org_id = ${orgId} and type = 'member.lifecycle_started'`;
    return rows.length > 0 ? true : undefined;
  });

/**
 * Ends the workflows still running on the harness's task queue (domain verifications re-check for
 * ever): they end with the test file, not on the shared dev server. Call before `h.stop()`.
 */
export async function terminateRunningWorkflows(h: TestHarness | undefined): Promise<void> {
  for await (const run of h?.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}' AND ExecutionStatus = 'Running'` }) ?? []) {
    await h!.client.workflow.getHandle(run.workflowId).terminate('test over').catch(() => undefined);
  }
}
