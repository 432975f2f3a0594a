import { insertAuditEvent } from '../db/audit.ts';
import type { Sql } from '../db/client.ts';
import type { AuditEventInput } from './audit.ts';

export function memberActivities(sql: Sql) {
  return {
    /**
     * Stamps the member as having a running lifecycle, with its audit event, in one transaction.
     * Idempotent: the event is keyed and the stamp keeps its first value, so a retry changes nothing.
     */
    async recordLifecycleStarted(event: AuditEventInput & { memberId: string }): Promise<void> {
      await sql.begin(async (tx) => {
        await insertAuditEvent(tx, event);
        await tx`update members set lifecycle_started_at = coalesce(lifecycle_started_at, now()) where id = ${event.memberId}`;
      });
    },
  };
}
