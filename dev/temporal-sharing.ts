/**
 * A second `npm run dev` reusing a Temporal server that a first one's worker polls would share its
 * task queue while writing to another database: each worker would run the other's workflows and
 * activities (a sign-in then fails as "domain is not verified", read from the wrong database). The
 * workflow IDs carry only the org slug, which both seed, so a task queue of its own would not be
 * enough either; `npm run dev` refuses instead, saying how to run a second instance apart.
 */
import { hostname } from 'node:os';
import { Connection } from '@temporalio/client';

/** TASK_QUEUE_TYPE_WORKFLOW in Temporal's API (its proto package is not a dependency of ours). */
const WORKFLOW_TASK_QUEUE = 1;

/** A poller not seen for this long has stopped (an idle worker polls again within about a minute). */
const POLLER_SILENCE_MS = 90_000;

function running(identity: string, lastAccessMs: number, now: number): boolean {
  // The SDK names a worker `pid@host`: one on this machine is running exactly when its process is.
  const [pid, host] = identity.split('@');
  if (host === hostname() && /^\d+$/.test(pid ?? '')) {
    try {
      process.kill(Number(pid), 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return now - lastAccessMs < POLLER_SILENCE_MS;
}

/** The identities of the workers polling `taskQueue` now. */
export async function workersPolling(address: string, namespace: string, taskQueue: string): Promise<string[]> {
  const connection = await Connection.connect({ address, connectTimeout: 3_000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: WORKFLOW_TASK_QUEUE,
    });
    const now = Date.now();
    return (pollers ?? [])
      .filter((p) => running(p.identity ?? '', Number(p.lastAccessTime?.seconds ?? 0) * 1000, now))
      .map((p) => p.identity ?? 'a worker');
  } finally {
    await connection.close();
  }
}

/** How to run a second `npm run dev` beside a first: its own state folder and its own Temporal dev server. */
export const RUN_APART = 'stop it, or run this one apart with its own DEV_DATA_DIR and its own TEMPORAL_ADDRESS (and DEV_TEMPORAL_UI_PORT), so it starts a Temporal dev server of its own';
