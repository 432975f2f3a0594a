import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps, type Activities } from '../activities/index.ts';
import { activityPorts } from '../temporal/activity-ports.ts';
import { checkPoolFitsConcurrency, type WorkerConcurrency } from './capacity.ts';
import { workflowCode } from './workflow-code.ts';

export interface CreateWorkerOptions extends Omit<ActivityDeps, 'temporal'> {
  connection: NativeConnection;
  /** The activities' way to Temporal (activities/ports.ts), on this worker's task queue. */
  client: Client;
  taskQueue: string;
  namespace: string;
  /** Held against the pool of `sql` (worker/capacity.ts): a worker that could exhaust it does not start. */
  concurrency: WorkerConcurrency;
  /** A bundle to load (tests build one per run); otherwise see workflowCode(). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where bundling at start reports (see workflowCode()). */
  log?: Logger;
  /** Wraps the activities, e.g. to inject a fault after the real work (tests). */
  wrapActivities?: (activities: Activities) => Activities;
}

export async function createWorker({ connection, namespace, taskQueue, client, concurrency, workflowBundle, log, wrapActivities = (a) => a, ...deps }: CreateWorkerOptions) {
  checkPoolFitsConcurrency(deps.sql.options.max, concurrency);
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : await workflowCode(log)),
    activities: wrapActivities(createActivities({ ...deps, temporal: activityPorts(client, taskQueue) })),
    maxConcurrentActivityTaskExecutions: concurrency.activities,
    maxConcurrentLocalActivityExecutions: concurrency.localActivities,
    // Draining: in-flight activities get this long to finish after SIGTERM before being cancelled.
    shutdownGraceTime: '20 seconds',
  });
}
