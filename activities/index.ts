import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client.ts';
import { nudgeReminders, type OrgRef } from '../temporal/site-access.ts';
import { auditActivities } from './audit.ts';
import { emailActivities, type Mailer } from './email.ts';
import { memberActivities } from './members.ts';
import { memberStatusActivities } from './member-status.ts';
import { invitationActivities } from './invitations.ts';
import { maintenanceActivities } from './maintenance.ts';
import { provisioningActivities } from './provisioning.ts';
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
  // The one way activities nudge the org's reminders.
  const nudge = (org: OrgRef) => nudgeReminders(deps.client, org, deps.taskQueue);
  return {
    ...auditActivities(deps.sql),
    ...provisioningActivities(deps.sql),
    ...memberActivities(deps.sql, nudge),
    ...memberStatusActivities(deps.sql, nudge),
    ...emailActivities(deps.sql, deps.mailer),
    ...invitationActivities(deps.sql, deps.mailer),
    ...maintenanceActivities(deps.sql),
    ...reminderActivities(deps.sql, deps.mailer, deps.reminders),
  };
}

export type Activities = ReturnType<typeof createActivities>;
