import type { Client } from '@temporalio/client';
import type { TemporalPorts } from '../activities/ports.ts';
import { coalescedNudges } from './coalesced-nudges.ts';
import { sendDirectoryEvent } from './directory-events.ts';
import { nudgeReminders, remindersRunning } from './site-access.ts';

/**
 * Temporal answers these in milliseconds; one that hangs would hold its activity's slot for good
 * (and a nudge its org's merged nudges with it).
 */
const CALL_DEADLINE_MS = 10_000;

/** The activities' ports on the worker's client, on its own task queue; reminder nudges merged per org (see coalescedNudges). */
export function activityPorts(client: Client, taskQueue: string): TemporalPorts {
  const nudge = coalescedNudges((org, reminder) =>
    client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, () => nudgeReminders(client, org, taskQueue, reminder)),
  );
  return {
    nudgeReminders: (org, reminder = {}) => nudge(org, reminder),
    remindersRunning: (org) => client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, () => remindersRunning(client, org)),
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
