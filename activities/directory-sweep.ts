import { markDelivered, undeliveredDirectoryEvents } from '../db/directory-users.ts';
import type { Sql } from '../db/client.ts';
import type { TemporalPorts } from './ports.ts';

/** Events per run: a backlog larger than this is taken on by the next runs. */
const BATCH = 500;

export function directorySweepActivities(sql: Sql, sendDirectoryEvent: TemporalPorts['sendDirectoryEvent']) {
  return {
    /**
     * Delivers directory events the SCIM api committed but could not hand to the member's lifecycle
     * (Temporal unreachable for a moment), for directories that do not retry the request.
     * Idempotent: the lifecycle ignores an event whose seq it has seen, and a delivered one is
     * marked so the next run skips it. Returns how many it delivered.
     */
    async redeliverDirectoryEvents(scope: { orgId?: string }): Promise<number> {
      const pending = await undeliveredDirectoryEvents(sql, BATCH, scope.orgId);
      for (const { member, event } of pending) {
        await sendDirectoryEvent(member, event);
        await markDelivered(sql, member.memberId, event.seq);
      }
      return pending.length;
    },
  };
}
