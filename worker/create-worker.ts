import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type Activities } from '../activities/index.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Prebuilt bundle (tests build it once per run); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Wraps the activities, e.g. to inject a fault after the real work (tests). */
  wrapActivities?: (activities: Activities) => Activities;
}

export function createWorker({ connection, namespace, taskQueue, workflowBundle, wrapActivities = (a) => a, ...deps }: CreateWorkerOptions) {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: wrapActivities(createActivities(deps)),
    // Draining: in-flight activities get this long to finish after SIGTERM before being cancelled.
    shutdownGraceTime: '20 seconds',
  });
}
