import { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config/index.ts';
import { dataConverter } from '../temporal/data-converter.ts';
import { memberEmailHasher } from '../temporal/member-email-hash.ts';
import { createSql, roundTrip } from '../db/client.ts';
import { createLogger } from '../config/logger.ts';
import { surviveArrayTypeReadFailures } from '../db/driver-rejections.ts';
import { startTracing, tracingClientInterceptors } from '../temporal/tracing.ts';
import { mailTaskQueue } from '../workflows/definitions.ts';
import { checkPoolFitsConcurrency } from './capacity.ts';
import { createWorker } from './create-worker.ts';
import { keepHealthFile } from './health-file.ts';
import { createMailer } from './mailer.ts';
import { ensureSchedule, maintenanceJobs } from './maintenance-schedules.ts';
import { sdkLogger } from './sdk-logger.ts';
import { sdkTelemetry, serveWorkerMetrics } from '../metrics/endpoints.ts';
import { createWorkerMetrics } from '../metrics/worker-metrics.ts';

// Well inside the interval of 10 s at which the health file is rewritten.
const DATABASE_PROBE_MS = 3_000;

const config = loadConfig();
checkPoolFitsConcurrency(config.databasePoolMax, config.workerConcurrency);
const log = createLogger(config.logLevel).child({ component: 'worker' });
surviveArrayTypeReadFailures(log);
Runtime.install({ logger: sdkLogger(log.child({ component: 'temporal-sdk' })), telemetryOptions: sdkTelemetry(config.metrics) });
const metrics = createWorkerMetrics();
const tracing = config.tracing && startTracing(config.tracing, 'sso-provisioning-worker');
const sql = createSql(config.databaseUrl, { max: config.databasePoolMax });
const connection = await NativeConnection.connect({ address: config.temporal.address });
const converter = dataConverter(config.payloadKeys);
try {
  const client = new Client({ connection, namespace: config.temporal.namespace, interceptors: tracingClientInterceptors(tracing), dataConverter: converter });
  const workers = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    dataConverter: converter,
    hashMemberEmail: memberEmailHasher(config.encryptionKey),
    concurrency: config.workerConcurrency,
    sql,
    mailer: createMailer(config.smtpUrl, config.mailFrom),
    client,
    reminders: { policy: config.reminders, publicUrl: config.publicUrl, recipientAttempts: config.reminderRecipientAttempts },
    dns: { servers: config.dnsServers },
    log,
    metrics,
    tracing,
  });
  // Housekeeping must not keep the worker from serving: a failure is logged and retried at the next start.
  for (const job of Object.keys(maintenanceJobs) as (keyof typeof maintenanceJobs)[]) {
    await ensureSchedule(client, config.temporal.taskQueue, job).then(
      (outcome) => log.info({ job, outcome }, 'maintenance schedule ensured'),
      (err: unknown) => log.error({ err, job }, 'could not ensure a maintenance schedule; restart the worker to retry'),
    );
  }
  // Before polling starts: a metrics port already taken stops the worker at once.
  const metricsServer = await serveWorkerMetrics(config.metrics, metrics);
  if (metricsServer) log.info({ port: metricsServer.port, host: config.metrics.host }, 'metrics listening');
  // The SDK runtime turns SIGINT/SIGTERM into shutdown() of both workers; run() resolves once both drained.
  const running = workers.run();
  const stopHealthFile = config.workerHealthFile ? keepHealthFile(config.workerHealthFile, workers, () => roundTrip(sql, DATABASE_PROBE_MS)) : () => {};
  log.info({ taskQueue: config.temporal.taskQueue, mailTaskQueue: mailTaskQueue(config.temporal.taskQueue), address: config.temporal.address }, 'worker started');
  await running.finally(() => Promise.all([stopHealthFile(), metricsServer?.close()]));
  log.info('worker drained and stopped');
} finally {
  await connection.close();
  await sql.end({ timeout: 5 });
  // After the drain: the spans of the last activities and workflow tasks leave before the process does.
  await tracing?.shutdown();
}
