import type { Client } from '@temporalio/client';
import type { TemporalPorts } from '../activities/ports.ts';
import { sendDirectoryEvent } from './directory-events.ts';
import { nudgeReminders, remindersRunning } from './site-access.ts';

/** The activities' ports on the worker's client, on its own task queue. */
export const activityPorts = (client: Client, taskQueue: string): TemporalPorts => ({
  nudgeReminders: (org, nudge) => nudgeReminders(client, org, taskQueue, nudge),
  remindersRunning: (org) => remindersRunning(client, org),
  sendDirectoryEvent: async (member, event, { signal, timeoutMs } = {}) => {
    const send = () => sendDirectoryEvent(client, member, event, taskQueue);
    const bounded = timeoutMs === undefined ? send : () => client.connection.withDeadline(Date.now() + timeoutMs, send);
    await (signal ? client.connection.withAbortSignal(signal, bounded) : bounded());
  },
  temporalAnswers: async (timeoutMs) => {
    try {
      await client.connection.withDeadline(Date.now() + timeoutMs, () => client.connection.workflowService.getSystemInfo({}));
      return true;
    } catch {
      return false;
    }
  },
});
