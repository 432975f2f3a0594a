import { insertAuditEvent, type AuditEvent } from '../db/audit.ts';
import type { Sql } from '../db/client.ts';

export interface AuditEventInput extends AuditEvent {
  /** Deterministic per event, so retries and replays write it once. */
  idempotencyKey: string;
}

export function auditActivities(sql: Sql) {
  return {
    async recordAuditEvent(event: AuditEventInput): Promise<void> {
      await insertAuditEvent(sql, event);
    },
  };
}
