import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { pruneScheduleId } from '../workflows/definitions.ts';
import { pruneExpiredRecordsWorkflow } from '../workflows/index.ts';

/**
 * Creates the hourly prune schedule unless it exists (Temporal UI: Schedules). Safe at every worker
 * start and from many workers at once: the ID is fixed, so all but the first find it already there
 * and leave it as it is.
 */
export async function ensurePruneSchedule(client: Client, taskQueue: string): Promise<'created' | 'exists'> {
  const scheduleId = pruneScheduleId(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: pruneExpiredRecordsWorkflow, workflowId: scheduleId, taskQueue, args: [] },
      // Runs never pile up, and a schedule paused by an outage does not replay every missed hour.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
