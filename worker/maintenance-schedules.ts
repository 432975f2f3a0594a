import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { directorySweepScheduleId, pruneScheduleId, reminderSweepScheduleId, siteRulesSweepScheduleId } from '../workflows/definitions.ts';
import { applySiteRulesWorkflow, pruneExpiredRecordsWorkflow, redeliverDirectoryEventsWorkflow, resumeIdleRemindersWorkflow } from '../workflows/index.ts';

/** The housekeeping jobs, one Temporal Schedule each (Temporal UI: Schedules); a run costs about two billable Actions. */
export const maintenanceJobs = {
  prune: { scheduleId: pruneScheduleId, workflowType: pruneExpiredRecordsWorkflow, every: '1 hour' },
  reminderSweep: { scheduleId: reminderSweepScheduleId, workflowType: resumeIdleRemindersWorkflow, every: '1 hour' },
  // A lost disable is a security matter: minutes, not hours.
  directorySweep: { scheduleId: directorySweepScheduleId, workflowType: redeliverDirectoryEventsWorkflow, every: '5 minutes' },
  // A rule deleted takes sites away: the same minutes as a lost disable.
  siteRulesSweep: { scheduleId: siteRulesSweepScheduleId, workflowType: applySiteRulesWorkflow, every: '5 minutes' },
} as const;

/**
 * Creates a job's schedule unless it exists. Safe at every worker start and from many workers at
 * once: the ID is fixed, so all but the first find it already there and leave it as it is.
 */
export async function ensureSchedule(client: Client, taskQueue: string, job: keyof typeof maintenanceJobs): Promise<'created' | 'exists'> {
  const { scheduleId: idFor, workflowType, every } = maintenanceJobs[job];
  const scheduleId = idFor(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every }] },
      action: { type: 'startWorkflow', workflowType, workflowId: scheduleId, taskQueue, args: [] },
      // Runs never pile up, and a schedule paused by an outage does not replay every missed run.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: every },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
