/**
 * Directory events not yet known delivered to the member's lifecycle, and the backstop's failed
 * deliveries of them (migration 0014). An event is a link's `directory_seq` above its
 * `signalled_seq`; `directory_event_failures` holds its attempts, backoff and parking.
 */
import { afterFailedDelivery } from '../domain/directory-delivery.ts';
import type { MemberRef } from '../domain/member.ts';
import type { DirectoryEvent } from '../workflows/definitions.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';
import { DELIVERY_CLAIM_STALE, markDelivered } from './directory-users.ts';

export interface PendingDirectoryEvent {
  member: MemberRef & { email: string };
  event: DirectoryEvent;
}

export const BACKSTOP_ACTOR = 'system:directory-backstop';

interface PendingRow {
  orgId: string;
  orgSlug: string;
  memberId: string;
  email: string;
  state: DirectoryEvent['state'];
  seq: string;
  at: Date;
}

const toPending = ({ state, seq, at, ...member }: PendingRow): PendingDirectoryEvent => ({ member, event: { state, seq: Number(seq), at: at.toISOString() } });

/** A failure row speaks of the link's current event only; older ones were superseded or delivered. */
const currentFailure = (sql: Queryable) => sql`left join directory_event_failures f on f.member_id = l.member_id and f.seq = l.directory_seq`;

/**
 * Undelivered events whose turn it is (never failed, or their backoff is over; never parked) and
 * that no SCIM request is delivering right now (no claim, or a stale one), oldest first.
 */
export async function dueDirectoryEvents(sql: Sql, limit: number, orgId?: string): Promise<PendingDirectoryEvent[]> {
  const rows = await sql<PendingRow[]>`
    select l.org_id as "orgId", o.slug as "orgSlug", l.member_id as "memberId", m.email::text as email,
           l.directory_state as state, l.directory_seq as seq, l.directory_changed_at as at
    from directory_links l join members m on m.id = l.member_id join organisations o on o.id = l.org_id ${currentFailure(sql)}
    where l.directory_seq > l.signalled_seq ${orgId === undefined ? sql`` : sql`and l.org_id = ${orgId}`}
      and (f.member_id is null or (f.parked_at is null and f.next_attempt_at <= now()))
      and (l.delivery_claimed_at is null or l.delivery_claimed_at < now() - ${DELIVERY_CLAIM_STALE}::interval)
    order by l.directory_changed_at
    limit ${limit}`;
  return rows.map(toPending);
}

/** Failure rows of events delivered since (by the backstop or by the directory's retry of its request). */
export async function clearDeliveredFailures(sql: Sql): Promise<void> {
  await sql`delete from directory_event_failures f using directory_links l where l.member_id = f.member_id and f.seq <= l.signalled_seq`;
}

/** The lifecycle accepted the event: it is delivered, and its failures are history. */
export async function recordDelivered(sql: Sql, { member, event }: PendingDirectoryEvent): Promise<void> {
  await markDelivered(sql, member.memberId, event.seq);
  await sql`delete from directory_event_failures where member_id = ${member.memberId} and seq <= ${event.seq}`;
}

export interface DeliveryFailure {
  attempts: number;
  parked: boolean;
}

/**
 * One more failed delivery of the event: its attempts grow (a newer event of the member starts
 * again at one) and it waits its backoff, or it is parked and audited, in one transaction, so a
 * parking is audited exactly once. Two runs failing the same event at once count two attempts.
 */
export async function recordDeliveryFailure(sql: Sql, { member, event }: PendingDirectoryEvent, error: string): Promise<DeliveryFailure> {
  const lastError = error.slice(0, 1000) || 'unknown error';
  return sql.begin(async (tx) => {
    const [{ attempts }]: [{ attempts: number }] = await tx`
      insert into directory_event_failures as f (member_id, org_id, seq, attempts, first_failed_at, last_failed_at, next_attempt_at, last_error)
      values (${member.memberId}, ${member.orgId}, ${event.seq}, 1, now(), now(), now(), ${lastError})
      on conflict (member_id) do update set
        attempts = case when f.seq = excluded.seq then f.attempts + 1 else 1 end,
        first_failed_at = case when f.seq = excluded.seq then f.first_failed_at else now() end,
        seq = excluded.seq, last_failed_at = now(), next_attempt_at = now(), last_error = excluded.last_error, parked_at = null
      returning attempts`;
    const next = afterFailedDelivery(attempts);
    if (next.parked) {
      await tx`update directory_event_failures set parked_at = now() where member_id = ${member.memberId}`;
      await insertAuditEvent(tx, {
        orgId: member.orgId,
        memberId: member.memberId,
        actor: BACKSTOP_ACTOR,
        type: 'directory.event_parked',
        data: { seq: event.seq, state: event.state, attempts, error: lastError },
      });
    } else {
      await tx`update directory_event_failures set next_attempt_at = now() + ${next.retryInMs} * interval '1 millisecond' where member_id = ${member.memberId}`;
    }
    return { attempts, parked: next.parked };
  });
}

export interface UndeliveredEventRow {
  org: string;
  email: string;
  state: DirectoryEvent['state'];
  seq: string;
  changedAt: Date;
  attempts: number;
  nextAttemptAt: Date | null;
  parkedAt: Date | null;
  lastError: string | null;
}

/** Rows one report lists at most; the report says how many there are in all. */
const REPORT_LIMIT = 1000;

/** For operators: undelivered events (or only the parked ones), oldest first, with their failures, and how many there are. */
export async function undeliveredEventsReport(sql: Sql, { orgId, parkedOnly, limit = REPORT_LIMIT }: { orgId?: string; parkedOnly: boolean; limit?: number }) {
  const rows = await sql<(UndeliveredEventRow & { total: number })[]>`
    select o.slug as org, m.email::text as email, l.directory_state as state, l.directory_seq as seq,
           l.directory_changed_at as "changedAt", coalesce(f.attempts, 0) as attempts,
           case when f.parked_at is null then f.next_attempt_at end as "nextAttemptAt", f.parked_at as "parkedAt", f.last_error as "lastError",
           count(*) over ()::int as total
    from directory_links l join members m on m.id = l.member_id join organisations o on o.id = l.org_id ${currentFailure(sql)}
    where l.directory_seq > l.signalled_seq
      ${orgId === undefined ? sql`` : sql`and l.org_id = ${orgId}`}
      ${parkedOnly ? sql`and f.parked_at is not null` : sql``}
    order by l.directory_changed_at
    limit ${limit}`;
  return { events: rows.map(({ total: _, ...event }) => event), total: rows[0]?.total ?? 0 };
}

/**
 * An operator hands parked events (one member's, or the organisation's) back to the backstop: their
 * failures are forgotten, so the next run tries them with a fresh set of attempts. Returns the
 * members whose event was parked; audited per member.
 */
export async function retryParkedEvents(sql: Sql, { orgId, memberId }: { orgId: string; memberId?: string }): Promise<number> {
  return sql.begin(async (tx) => {
    const retried: { memberId: string; seq: string; attempts: number }[] = await tx`
      delete from directory_event_failures f using directory_links l
      where l.member_id = f.member_id and f.seq = l.directory_seq and l.directory_seq > l.signalled_seq
        and f.org_id = ${orgId} and f.parked_at is not null ${memberId === undefined ? tx`` : tx`and f.member_id = ${memberId}`}
      returning f.member_id as "memberId", f.seq, f.attempts`;
    for (const { memberId: id, seq, attempts } of retried) {
      await insertAuditEvent(tx, { orgId, memberId: id, actor: 'operator', type: 'directory.event_retried', data: { seq: Number(seq), parkedAfter: attempts } });
    }
    return retried.length;
  });
}
