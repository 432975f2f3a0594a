import type { Sql } from '../db/client.ts';

export interface AuditEventInput {
  /** Deterministic per event, so retries and replays write it once. */
  idempotencyKey: string;
  orgId: string | null;
  memberId: string | null;
  actor: string;
  type: string;
  data?: Record<string, unknown>;
}

export function auditActivities(sql: Sql) {
  return {
    async recordAuditEvent(event: AuditEventInput): Promise<void> {
      await sql`
        insert into audit_events (idempotency_key, org_id, member_id, actor, type, data)
        values (${event.idempotencyKey}, ${event.orgId}, ${event.memberId}, ${event.actor}, ${event.type},
                ${sql.json((event.data ?? {}) as never)})
        on conflict (idempotency_key) do nothing`;
    },
  };
}
