import { eventsAboutOthers } from '../domain/timeline-sentences.ts';
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

/** Many events at once (a digest about thousands of members), in chunks; the same rules as insertAuditEvent. */
export async function insertAuditEvents(sql: Queryable, events: AuditEvent[]): Promise<void> {
  const CHUNK = 1_000;
  for (let i = 0; i < events.length; i += CHUNK) {
    const rows = events.slice(i, i + CHUNK).map((e) => ({
      idempotency_key: e.idempotencyKey ?? null,
      org_id: e.orgId,
      member_id: e.memberId,
      actor: e.actor,
      type: e.type,
      data: e.data ?? {},
    }));
    await sql`
      insert into audit_events (idempotency_key, org_id, member_id, actor, type, data)
      select idempotency_key, org_id, member_id, actor, type, data
      from jsonb_to_recordset(${sql.json(rows as never)})
        as x(idempotency_key text, org_id uuid, member_id uuid, actor text, type text, data jsonb)
      on conflict (idempotency_key) do nothing`;
  }
}

export interface TimelineEntry {
  at: Date;
  actor: string;
  /** The acting member's name (their email when they have none) when a member acted. */
  actorName: string | null;
  type: string;
  data: Record<string, unknown>;
}

/**
 * A member's audit events, newest first: what the admin member page shows. Events recorded under
 * the member but about someone else (the invitations an admin sent) are left out before the limit.
 */
export const memberTimeline = (sql: Queryable, orgId: string, memberId: string, limit = 50) => sql<TimelineEntry[]>`
  select e.created_at as at, e.actor, coalesce(nullif(m.name, ''), m.email::text) as "actorName", e.type, e.data
  from audit_events e left join members m on e.actor = 'member:' || m.id::text
  where e.org_id = ${orgId} and e.member_id = ${memberId} and e.type <> all(${[...eventsAboutOthers]}::text[])
  order by e.created_at desc, e.id desc limit ${limit}`;
