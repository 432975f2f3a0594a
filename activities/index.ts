import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client.ts';
import { coalescedNudges } from '../temporal/coalesced-nudges.ts';
import { nudgeReminders, type OrgRef } from '../temporal/site-access.ts';
import type { RemindersNudge } from '../workflows/definitions.ts';
import { auditActivities } from './audit.ts';
import { emailActivities, type Mailer } from './email.ts';
import { memberActivities } from './members.ts';
import { memberStatusActivities } from './member-status.ts';
import { invitationActivities } from './invitations.ts';
import { maintenanceActivities } from './maintenance.ts';
import { provisioningActivities } from './provisioning.ts';
import { directorySweepActivities } from './directory-sweep.ts';
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
  // The one way activities nudge the org's reminders; merged per org while one is on its way.
  const nudge = coalescedNudges((org: OrgRef, reminder: RemindersNudge) => nudgeReminders(deps.client, org, deps.taskQueue, reminder));
  return {
    ...auditActivities(deps.sql),
    ...provisioningActivities(deps.sql),
    ...memberActivities(deps.sql, deps.reminders.policy, nudge),
    ...memberStatusActivities(deps.sql, deps.reminders.policy, nudge),
    ...emailActivities(deps.sql, deps.mailer),
    ...invitationActivities(deps.sql, deps.mailer),
    ...maintenanceActivities(deps.sql),
    ...reminderActivities(deps.sql, deps.mailer, deps.reminders),
    ...reminderSweepActivities(deps.sql, deps.client, deps.taskQueue, deps.reminders.policy),
    ...directorySweepActivities(deps.sql, deps.client, deps.taskQueue),
  };
}

export type Activities = ReturnType<typeof createActivities>;
