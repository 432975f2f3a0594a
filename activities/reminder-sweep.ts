import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Sql } from '../db/client.ts';
import { orgsWithRemindersDue } from '../db/site-access.ts';
import type { ReminderPolicy } from '../domain/reminders.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import { siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export function reminderSweepActivities(sql: Sql, client: Client, taskQueue: string, policy: ReminderPolicy) {
  return {
    /**
     * Starts the reminders of every organisation that has a reminder to come but no reminder
     * workflow running, telling it the earliest due time. Idempotent: a running workflow is left
     * alone (describing it is no billable Action), and an organisation nudged twice only tries a
     * digest that finds nothing due.
     */
    async resumeIdleReminders(): Promise<string[]> {
      const resumed: string[] = [];
      for (const { orgId, orgSlug, dueAt } of await orgsWithRemindersDue(sql, policy)) {
        if (await isRunning(client, siteAccessRemindersWorkflowId(orgSlug))) continue;
        await nudgeReminders(client, { orgId, orgSlug }, taskQueue, { dueAt: dueAt.toISOString() });
        resumed.push(orgSlug);
      }
      return resumed;
    },
  };
}
