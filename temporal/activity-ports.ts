import type { Client } from '@temporalio/client';
import type { TemporalPorts } from '../activities/ports.ts';
import { sendDirectoryEvent } from './directory-events.ts';
import { nudgeReminders, remindersRunning } from './site-access.ts';

/** The activities' ports on the worker's client, on its own task queue. */
export const activityPorts = (client: Client, taskQueue: string): TemporalPorts => ({
  nudgeReminders: (org, nudge) => nudgeReminders(client, org, taskQueue, nudge),
  remindersRunning: (org) => remindersRunning(client, org),
  sendDirectoryEvent: async (member, event) => {
    await sendDirectoryEvent(client, member, event, taskQueue);
  },
});
