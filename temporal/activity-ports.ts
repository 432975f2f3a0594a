import type { Client } from '@temporalio/client';
import type { TemporalPorts } from '../activities/ports.ts';
import { coalescedNudges } from './coalesced-nudges.ts';
import { sendDirectoryEvent } from './directory-events.ts';
import type { MemberEmailHasher } from './member-email-hash.ts';
import { announceSiteAccessChange, nudgeReminders, remindersRunning } from './site-access.ts';

/**
 * Temporal answers these in milliseconds; one that hangs would hold its activity's slot for good
 * (and a nudge its org's merged nudges with it).
 */
const CALL_DEADLINE_MS = 10_000;

/** The activities' ports on the worker's client, on its own task queue; reminder nudges merged per org (see coalescedNudges). */
export function activityPorts(client: Client, taskQueue: string, hashEmail: MemberEmailHasher): TemporalPorts {
  const { connection } = client;
  const within = <T>(timeoutMs: number, call: () => Promise<T>) => connection.withDeadline(Date.now() + timeoutMs, call);
  const nudge = coalescedNudges((org, reminder) => within(CALL_DEADLINE_MS, () => nudgeReminders(client, org, taskQueue, reminder)));
  return {
    nudgeReminders: (org, reminder = {}) => nudge(org, reminder),
    remindersRunning: (org) => within(CALL_DEADLINE_MS, () => remindersRunning(client, org)),
    memberEmailHash: hashEmail,
    sendDirectoryEvent: async (member, event, { signal, timeoutMs = CALL_DEADLINE_MS } = {}) => {
      const send = () => within(timeoutMs, () => sendDirectoryEvent(client, member, event, taskQueue, hashEmail));
      await (signal ? connection.withAbortSignal(signal, send) : send());
    },
    announceSiteAccess: (member, change) => within(CALL_DEADLINE_MS, () => announceSiteAccessChange(client, member, change, taskQueue)),
    temporalAnswers: (timeoutMs) =>
      within(timeoutMs, () => connection.workflowService.getSystemInfo({})).then(
        () => true,
        () => false,
      ),
  };
}
