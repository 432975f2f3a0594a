import type { Sql } from '../db/client.ts';
import { orgsWithRemindersDue, reminderContacts } from '../db/site-access.ts';
import { recipientsFor, type ReminderPolicy } from '../domain/reminders.ts';
import type { TemporalPorts } from './ports.ts';
import { heartbeating } from './heartbeat.ts';

export function reminderSweepActivities(sql: Sql, temporal: Pick<TemporalPorts, 'nudgeReminders' | 'remindersRunning'>, policy: ReminderPolicy) {
  return {
    /**
     * Starts the reminders of every organisation that has a reminder to come but no reminder
     * workflow running, telling it the earliest due time. Idempotent: a running workflow is left
     * alone (describing it is no billable Action), and an organisation nudged twice only tries a
     * digest that finds nothing due.
     */
    async resumeIdleReminders(scope: { orgId?: string }): Promise<string[]> {
      const due = await orgsWithRemindersDue(sql, policy, scope.orgId);
      return heartbeating(async (step) => {
        const resumed: string[] = [];
        for (const [index, { orgId, orgSlug, dueAt }] of due.entries()) {
          step({ org: index + 1, of: due.length });
          // An org whose admins have no address that can receive mail stays held until one is added.
          if (recipientsFor(1, await reminderContacts(sql, orgId)).length === 0) continue;
          if (await temporal.remindersRunning({ orgId, orgSlug })) continue;
          await temporal.nudgeReminders({ orgId, orgSlug }, { dueAt: dueAt.toISOString() });
          resumed.push(orgSlug);
        }
        return resumed;
      });
    },
  };
}
