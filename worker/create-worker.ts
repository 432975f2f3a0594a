import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type Activities } from '../activities/index.ts';
import { workflowCode } from './workflow-code.ts';

export interface CreateWorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  /** A bundle to load (tests build one per run); otherwise see workflowCode(). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Wraps the activities, e.g. to inject a fault after the real work (tests). */
  wrapActivities?: (activities: Activities) => Activities;
}

export function createWorker({ connection, namespace, taskQueue, workflowBundle, wrapActivities = (a) => a, ...deps }: CreateWorkerOptions) {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : workflowCode()),
    activities: wrapActivities(createActivities({ ...deps, taskQueue })),
    // Draining: in-flight activities get this long to finish after SIGTERM before being cancelled.
    shutdownGraceTime: '20 seconds',
  });
}
