import { rmSync, writeFileSync } from 'node:fs';
import type { Worker } from '@temporalio/worker';

type Polled = Pick<Worker, 'getStatus'>;

/**
 * Both workers of the process serve: the main one polls workflow and activity tasks, the mail one
 * activity tasks (it has no workflows, so its workflow poller never starts).
 */
function serving({ main, mail }: { main: Polled; mail: Polled }): boolean {
  const m = main.getStatus();
  const s = mail.getStatus();
  return m.runState === 'RUNNING' && m.workflowPollerState === 'POLLING' && m.activityPollerState === 'POLLING' && s.runState === 'RUNNING' && s.activityPollerState === 'POLLING';
}

/**
 * The worker has no HTTP port, and a live process can still be a stuck worker, so its container
 * health check reads this file's age instead: it is rewritten every interval while both workers
 * (main and mail, worker/create-worker.ts) run, their pollers poll and `database` (a round trip
 * through the activities' own pool, bounded) answers. A blocked event loop, a draining or failed
 * worker, a failed poller, or activities that cannot reach PostgreSQL (server down, pool stuck) let
 * it go stale. Returns stop(), which removes the file.
 */
const FIRST_WRITE_RETRY_MS = 250;

export function keepHealthFile(path: string, workers: { main: Polled; mail: Polled }, database: () => Promise<void>, intervalMs = 10_000): () => void {
  let stopped = false;
  let written = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = async () => {
    const reachable = serving(workers) && (await database().then(() => true, () => false));
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
