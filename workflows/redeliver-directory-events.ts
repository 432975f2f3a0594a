import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { DirectorySweepResult } from '../activities/directory-sweep.ts';
import { retryPolicy } from './activity-retry.ts';

const { redeliverDirectoryEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // Beats between events; a worker lost mid-run is noticed in a minute, not at the timeout.
  heartbeatTimeout: '1 minute',
  // A few tries, then the run fails visibly; the next run, minutes later, tries again.
  retry: retryPolicy({ initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3 }),
});

/**
 * One pass of the directory-event backstop, started by its schedule (worker/maintenance-schedules.ts):
 * a SCIM write whose event could not reach the member's lifecycle answers 503 and waits for the
 * directory's retry; this delivers it for directories that never retry. The result counts the
 * events delivered, failed and parked. Started by hand with `{ "orgId": ... }`, it delivers one organisation's.
 */
export async function redeliverDirectoryEventsWorkflow(scope: { orgId?: string } = {}): Promise<DirectorySweepResult> {
  return redeliverDirectoryEvents(scope);
}
