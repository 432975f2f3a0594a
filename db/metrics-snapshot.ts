/** The counts /metrics reads from PostgreSQL at scrape time: aggregates only, no row leaves the database. */
import type { Sql } from './client.ts';
import { waitingForSiteSince } from './site-access.ts';

/** "Waited at least" thresholds of the waiting-members gauge, as its label says them; the query below spells the same. */
export const WAIT_THRESHOLDS = ['0s', '1h', '1d', '3d', '7d', '14d'] as const;

export interface MetricsSnapshot {
  /** Members waiting for a site for at least `waitedOver`, one entry per WAIT_THRESHOLDS value. */
  waiting: { waitedOver: (typeof WAIT_THRESHOLDS)[number]; members: number }[];
  /** Directory events not yet delivered to their lifecycle, still being retried (pending) or given up on (parked). */
  directoryEvents: { pending: number; parked: number };
  /** Members queued by a change of site-access rules whose sites are not worked out yet, and the oldest one's age. */
  siteAccessQueue: { members: number; oldestSeconds: number };
  /** Site-access announcements owed to Temporal (db/site-access-outbox.ts), and the oldest one's age. */
  siteAccessAnnouncements: { owed: number; oldestSeconds: number };
}

/**
 * Both aggregates in one read-only transaction on one connection, under `statementTimeoutMs` (set
 * local: it ends with the transaction, the pooled connection keeps the service's own bounds).
 */
export async function readMetricsSnapshot(sql: Sql, statementTimeoutMs: number): Promise<MetricsSnapshot> {
  return sql.begin('read only', async (tx) => {
    await tx`select set_config('statement_timeout', ${String(statementTimeoutMs)}, true)`;
    const [waiting]: [Record<`t${number}`, number>] = await tx`
      select count(*)::int as t0,
             count(*) filter (where w.since <= now() - interval '1 hour')::int as t1,
             count(*) filter (where w.since <= now() - interval '1 day')::int as t2,
             count(*) filter (where w.since <= now() - interval '3 days')::int as t3,
             count(*) filter (where w.since <= now() - interval '7 days')::int as t4,
             count(*) filter (where w.since <= now() - interval '14 days')::int as t5
      from (select ${waitingForSiteSince(tx)} as since from members m) w where w.since is not null`;
    const [events]: [{ pending: number; parked: number }] = await tx`
      select count(*) filter (where f.parked_at is null)::int as pending, count(*) filter (where f.parked_at is not null)::int as parked
      from directory_links l left join directory_event_failures f on f.member_id = l.member_id and f.seq = l.directory_seq
      where l.directory_seq > l.signalled_seq`;
    const [queue]: [{ members: number; oldestSeconds: number }] = await tx`
      select count(*)::int as members, coalesce(extract(epoch from now() - min(queued_at)), 0)::float8 as "oldestSeconds" from site_access_queue`;
    const [announcements]: [{ owed: number; oldestSeconds: number }] = await tx`
      select count(*)::int as owed, coalesce(extract(epoch from now() - min(queued_at)), 0)::float8 as "oldestSeconds" from site_access_announcements`;
    return {
      waiting: WAIT_THRESHOLDS.map((waitedOver, i) => ({ waitedOver, members: waiting[`t${i}`] ?? 0 })),
      directoryEvents: events,
      siteAccessQueue: queue,
      siteAccessAnnouncements: announcements,
    };
  });
}
