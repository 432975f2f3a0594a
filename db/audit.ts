import type { Queryable } from './client.ts';

export interface AuditEvent {
  orgId: string | null;
  memberId: string | null;
  actor: string;
  type: string;
  data?: Record<string, unknown>;
  /** When set, the event is written once however often this runs (retries, replays). */
  idempotencyKey?: string;
}

/** The one way rows enter the append-only audit log. */
export async function insertAuditEvent(sql: Queryable, event: AuditEvent): Promise<void> {
  await sql`
    insert into audit_events (idempotency_key, org_id, member_id, actor, type, data)
    values (${event.idempotencyKey ?? null}, ${event.orgId}, ${event.memberId}, ${event.actor}, ${event.type},
            ${sql.json((event.data ?? {}) as never)})
    on conflict (idempotency_key) do nothing`;
}
