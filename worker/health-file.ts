import { rmSync, writeFileSync } from 'node:fs';
import type { Worker } from '@temporalio/worker';

/**
 * The worker has no HTTP port, and a live process can still be a stuck worker, so its container
 * health check reads this file's age instead: it is rewritten every interval while the worker runs,
 * both pollers poll and `database` (a round trip through the activities' own pool, bounded) answers.
 * A blocked event loop, a draining or failed worker, a failed poller, or activities that cannot reach
 * PostgreSQL (server down, pool stuck) let it go stale. Returns stop(), which removes the file.
 */
const FIRST_WRITE_RETRY_MS = 250;

export function keepHealthFile(path: string, worker: Pick<Worker, 'getStatus'>, database: () => Promise<void>, intervalMs = 10_000): () => void {
  let stopped = false;
  let written = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = async () => {
    const { runState, workflowPollerState, activityPollerState } = worker.getStatus();
    const polling = runState === 'RUNNING' && workflowPollerState === 'POLLING' && activityPollerState === 'POLLING';
    const reachable = polling && (await database().then(() => true, () => false));
    if (reachable && !stopped) writeFileSync(path, `${new Date().toISOString()}\n`);
    written ||= reachable;
    // One probe at a time: the next starts an interval after this one ended; until the first write,
    // soon, so the file appears as soon as the worker polls (npm run dev waits for it).
    if (!stopped) timer = setTimeout(() => void touch(), written ? intervalMs : Math.min(FIRST_WRITE_RETRY_MS, intervalMs));
  };
  void touch();
  return () => {
    stopped = true;
    clearTimeout(timer);
    rmSync(path, { force: true });
  };
}
