import { ConfigError } from '../config/index.ts';

export interface WorkerConcurrency {
  /** maxConcurrentActivityTaskExecutions of the main worker: every activity but mail. */
  activities: number;
  /** maxConcurrentActivityTaskExecutions of the mail worker (activities/index.ts mailActivityNames). */
  mail: number;
  /** maxConcurrentLocalActivityExecutions */
  localActivities: number;
}

/**
 * The pool arithmetic. The worker process runs two workers on one pool: the main one (workflows,
 * local activities and every activity but mail) and the mail one (the SMTP-bound activities, on
 * their own task queue, so a slow mail server cannot take the slots member decisions need). Every
 * activity holds at most one pooled connection at a time and never waits for a second while it
 * holds one (a transaction, or one statement after another; the reminder digest's "one attempt
 * sends at a time" is a lease row, not a held connection; no connection is held across SMTP). So
 * everything running at once holds at most the sum of the slots, and one connection more is left
 * for the health probe (worker/health-file.ts): with
 *
 *   WORKER_ACTIVITY_CONCURRENCY + WORKER_MAIL_CONCURRENCY + WORKER_LOCAL_ACTIVITY_CONCURRENCY + 1 <= DATABASE_POOL_MAX
 *
 * no activity ever queues for a connection behind the others, and the probe answers unless the
 * database does not. Activities beyond that wait in their task queue, where Temporal bounds them
 * (schedule-to-start is visible, start-to-close counts from the start). Refuses to start otherwise.
 */
export function checkPoolFitsConcurrency(poolMax: number, concurrency: WorkerConcurrency): void {
  const needed = concurrency.activities + concurrency.mail + concurrency.localActivities + 1;
  if (needed <= poolMax) return;
  throw new ConfigError([
    `DATABASE_POOL_MAX (${poolMax}) is too small for WORKER_ACTIVITY_CONCURRENCY (${concurrency.activities}) + ` +
      `WORKER_MAIL_CONCURRENCY (${concurrency.mail}) + WORKER_LOCAL_ACTIVITY_CONCURRENCY (${concurrency.localActivities}) + ` +
      `1 for the health probe = ${needed}: ` +
      'raise DATABASE_POOL_MAX or lower the concurrency, or the activities could take every connection and wait on each other',
  ]);
}
