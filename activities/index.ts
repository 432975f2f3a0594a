import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import { auditActivities } from './audit.ts';
import { emailActivities, type Mailer } from './email.ts';
import { memberActivities } from './members.ts';
import { invitationActivities } from './invitations.ts';
import { maintenanceActivities } from './maintenance.ts';
import { provisioningActivities } from './provisioning.ts';
import { reminderSweepActivities } from './reminder-sweep.ts';
import { reminderActivities, type ReminderSettings } from './reminders.ts';

export interface ActivityDeps {
  sql: Sql;
  mailer: Mailer;
  /** For activities that start or signal workflows (the reminders' nudge), on the worker's own task queue. */
  client: Client;
  taskQueue: string;
  reminders: ReminderSettings;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...auditActivities(deps.sql),
    ...provisioningActivities(deps.sql),
    ...memberActivities(deps.sql, deps.reminders.policy, (org, nudge) => nudgeReminders(deps.client, org, deps.taskQueue, nudge)),
    ...emailActivities(deps.sql, deps.mailer),
    ...invitationActivities(deps.sql, deps.mailer),
    ...maintenanceActivities(deps.sql),
    ...reminderActivities(deps.sql, deps.mailer, deps.reminders),
    ...reminderSweepActivities(deps.sql, deps.client, deps.taskQueue, deps.reminders.policy),
  };
}

export type Activities = ReturnType<typeof createActivities>;
