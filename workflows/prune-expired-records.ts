import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retryPolicy } from './activity-retry.ts';
import type { PruneResult } from './definitions.ts';

const { pruneExpiredRecords } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // A few tries, then the run fails visibly; the next scheduled run deletes what this one left.
  retry: retryPolicy({ initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 }),
});

/** One housekeeping pass, started by the prune schedule (worker/maintenance-schedules.ts). */
export async function pruneExpiredRecordsWorkflow(): Promise<PruneResult> {
  return pruneExpiredRecords();
}
