import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, splitMailActivities, type ActivityDeps, type Activities } from '../activities/index.ts';
import { activityPorts } from '../temporal/activity-ports.ts';
import type { MemberEmailHasher } from '../temporal/member-email-hash.ts';
import { mailTaskQueue } from '../workflows/definitions.ts';
import type { Tracing } from '../temporal/tracing.ts';
import { checkPoolFitsConcurrency, type WorkerConcurrency } from './capacity.ts';
import { tracingActivityInterceptors, workflowSpanSinks } from './tracing.ts';
import { workflowCode } from './workflow-code.ts';

export interface CreateWorkerOptions extends Omit<ActivityDeps, 'temporal'> {
  connection: NativeConnection;
  /** The activities' way to Temporal (activities/ports.ts), on this worker's task queue. */
  client: Client;
  taskQueue: string;
  namespace: string;
  /** temporal/data-converter.ts: the one every client and worker of the deployment shares. */
  dataConverter: DataConverter;
  /** For the directory events activities hand to lifecycles (MemberEmailHash). */
  hashMemberEmail: MemberEmailHasher;
  /** Held against the pool of `sql` (worker/capacity.ts): a worker that could exhaust it does not start. */
  concurrency: WorkerConcurrency;
  /** A bundle to load (tests build one per run); otherwise see workflowCode(). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where bundling at start reports (see workflowCode()). */
  log?: Logger;
  /** Wraps the activities, e.g. to inject a fault after the real work (tests). */
  wrapActivities?: (activities: Activities) => Activities;
  /** This process's tracer provider (docs/tracing.md); undefined: tracing off. */
  tracing?: Tracing | undefined;
}

/** The two workers of a worker process, run and stopped together. */
export interface ServiceWorkers {
  /** Workflows, local activities and every activity but mail, on the task queue. */
  main: Worker;
  /** The SMTP-bound activities, on mailTaskQueue(taskQueue), with their own slots. */
  mail: Worker;
  /** Resolves once both have drained; if one fails, the other is shut down and the failure thrown. */
  run(): Promise<void>;
  /** Starts draining both (SIGINT/SIGTERM do this through the SDK runtime too). */
  shutdown(): void;
}

// Draining: in-flight activities get this long to finish after SIGTERM before being cancelled.
const shutdownGraceTime = '20 seconds';

export async function createWorker({ connection, namespace, taskQueue, dataConverter, hashMemberEmail, client, concurrency, workflowBundle, log, wrapActivities = (a) => a, tracing, ...deps }: CreateWorkerOptions): Promise<ServiceWorkers> {
  checkPoolFitsConcurrency(deps.sql.options.max, concurrency);
  const activities = splitMailActivities(wrapActivities(createActivities({ ...deps, temporal: activityPorts(client, taskQueue, hashMemberEmail) })));
  const main = await Worker.create({
    connection,
    namespace,
    taskQueue,
    dataConverter,
    ...(workflowBundle ? { workflowBundle } : await workflowCode(log, tracing !== undefined)),
    activities: activities.others,
    maxConcurrentActivityTaskExecutions: concurrency.activities,
    maxConcurrentLocalActivityExecutions: concurrency.localActivities,
    shutdownGraceTime,
    ...tracingActivityInterceptors(tracing),
    sinks: workflowSpanSinks(tracing),
  });
  const mail = await Worker.create({
    connection,
    namespace,
    taskQueue: mailTaskQueue(taskQueue),
    dataConverter,
    activities: activities.mail,
    maxConcurrentActivityTaskExecutions: concurrency.mail,
    shutdownGraceTime,
    ...tracingActivityInterceptors(tracing),
  });
  return { main, mail, run: () => runTogether([main, mail]), shutdown: () => [main, mail].forEach(shutdownIfRunning) };
}

function shutdownIfRunning(worker: Worker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}

/** A process serving half its queues would look alive while mail or decisions pile up: one failing stops both. */
async function runTogether(workers: Worker[]): Promise<void> {
  const runs = workers.map((worker) => worker.run().catch((err: unknown) => {
    workers.forEach(shutdownIfRunning);
    throw err;
  }));
  const outcomes = await Promise.allSettled(runs);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}
