import { asyncLocalStorage } from '@temporalio/activity';

/** Well inside the shortest heartbeatTimeout of the proxies that run long activities (30 s). */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Runs a long activity's work while it heartbeats: every few seconds, so a worker that died is
 * noticed after the proxy's heartbeatTimeout instead of its start-to-close, and at every `step`
 * the work takes between items, which throws once Temporal cancelled the attempt (it timed out, or
 * the workflow gave up on it), so an abandoned attempt starts nothing more. Outside an activity
 * (a test calling the activity function itself) it only runs the work.
 */
export async function heartbeating<T>(work: (step: (progress: unknown) => void) => Promise<T>): Promise<T> {
  const context = asyncLocalStorage.getStore();
  if (!context) return work(() => {});
  let progress: unknown;
  const timer = setInterval(() => context.heartbeat(progress), HEARTBEAT_EVERY_MS);
  try {
    return await work((next) => {
      context.cancellationSignal.throwIfAborted();
      progress = next;
      context.heartbeat(next);
    });
  } finally {
    clearInterval(timer);
  }
}
