import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { pruneScheduleId, reminderSweepScheduleId } from '../workflows/definitions.ts';
import { pruneExpiredRecordsWorkflow, resumeIdleRemindersWorkflow } from '../workflows/index.ts';

/** The hourly housekeeping jobs, one Temporal Schedule each (Temporal UI: Schedules). */
export const maintenanceJobs = {
  prune: { scheduleId: pruneScheduleId, workflowType: pruneExpiredRecordsWorkflow },
  reminderSweep: { scheduleId: reminderSweepScheduleId, workflowType: resumeIdleRemindersWorkflow },
} as const;

/**
 * Creates a job's hourly schedule unless it exists. Safe at every worker start and from many
 * workers at once: the ID is fixed, so all but the first find it already there and leave it as it is.
 */
export async function ensureHourlySchedule(client: Client, taskQueue: string, job: keyof typeof maintenanceJobs): Promise<'created' | 'exists'> {
  const { scheduleId: idFor, workflowType } = maintenanceJobs[job];
  const scheduleId = idFor(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType, workflowId: scheduleId, taskQueue, args: [] },
      // Runs never pile up, and a schedule paused by an outage does not replay every missed hour.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
