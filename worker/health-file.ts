import { rmSync, writeFileSync } from 'node:fs';
import type { Worker } from '@temporalio/worker';

/**
 * The worker has no HTTP port, and a live process can still be a stuck worker, so its container
 * health check reads this file's age instead: it is rewritten every interval while the worker runs
 * and both pollers poll. A blocked event loop, a draining or failed worker or a failed poller lets
 * it go stale. Returns stop(), which removes the file.
 */
export function keepHealthFile(path: string, worker: Pick<Worker, 'getStatus'>, intervalMs = 10_000): () => void {
  const touch = () => {
    const { runState, workflowPollerState, activityPollerState } = worker.getStatus();
    if (runState === 'RUNNING' && workflowPollerState === 'POLLING' && activityPollerState === 'POLLING') {
      writeFileSync(path, `${new Date().toISOString()}\n`);
    }
  };
  touch();
  const timer = setInterval(touch, intervalMs);
  return () => {
    clearInterval(timer);
    rmSync(path, { force: true });
  };
}
