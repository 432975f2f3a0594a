import type { Client } from '@temporalio/client';
import type { TemporalPorts } from '../activities/ports.ts';
import { coalescedNudges } from './coalesced-nudges.ts';
import { sendDirectoryEvent } from './directory-events.ts';
import { nudgeReminders, remindersRunning } from './site-access.ts';

/** The activities' ports on the worker's client, on its own task queue; reminder nudges merged per org (see coalescedNudges). */
export function activityPorts(client: Client, taskQueue: string): TemporalPorts {
  const nudge = coalescedNudges((org, reminder) => nudgeReminders(client, org, taskQueue, reminder));
  return {
    nudgeReminders: (org, reminder = {}) => nudge(org, reminder),
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
  };
}
