import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retryPolicy } from './activity-retry.ts';

const { resumeIdleReminders } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // It heartbeats every few seconds (activities/heartbeat.ts): a dead worker's sweep is retried within this.
  heartbeatTimeout: '30 seconds',
  // A few tries, then the run fails visibly; the next hourly run sweeps again.
  retry: retryPolicy({ initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 }),
});

/**
 * One sweep, started by its hourly schedule (worker/maintenance-schedules.ts): reminders are
 * nudged by whoever makes a member wait, after the commit; a crash between the two, or a reminder
 * workflow terminated by hand, would leave someone waiting unreminded. The result names the
 * organisations whose reminders it started. Started by hand with `{ "orgId": ... }`, it sweeps one.
 */
export async function resumeIdleRemindersWorkflow(scope: { orgId?: string } = {}): Promise<string[]> {
  return resumeIdleReminders(scope);
}
