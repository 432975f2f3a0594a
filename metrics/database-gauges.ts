import { Counter, Gauge, type Registry } from 'prom-client';
import type { Sql } from '../db/client.ts';
import { readMetricsSnapshot, type MetricsSnapshot } from '../db/metrics-snapshot.ts';
import { withTimeout } from '../domain/timeout.ts';

/**
 * The pool arithmetic: every scrape shares one snapshot at a time (single flight, then reused for
 * SNAPSHOT_TTL_MS), so /metrics holds at most ONE of the process's DATABASE_POOL_MAX connections,
 * for at most STATEMENT_TIMEOUT_MS per statement: however often or concurrently it is scraped,
 * request handling keeps DATABASE_POOL_MAX - 1 connections (9 of the api's 10 in docker-compose).
 * A snapshot that cannot get a connection within WAIT_MS is given up on (the scrape answers
 * without these gauges and counts the failure); the queued query then runs once a connection
 * frees and is bounded by the statement timeout like any other. Scrapes meanwhile wait on that
 * same query: however long the pool stays full, at most one snapshot is queued for it.
 */
const STATEMENT_TIMEOUT_MS = 2_000;
const WAIT_MS = 3_000;
const SNAPSHOT_TTL_MS = 5_000;

/** Registers the gauges computed from PostgreSQL at scrape time: members waiting for a site, undelivered directory events. */
export function registerDatabaseGauges(registry: Registry, sql: Sql): void {
  const registers = [registry];
  let last: { at: number; snapshot: Promise<MetricsSnapshot> } | undefined;
  // The read itself, which outlives a scrape that gave up on it: while it waits for a connection, later scrapes wait on it too instead of queueing one each.
  let queued: Promise<MetricsSnapshot> | undefined;

  function snapshot(): Promise<MetricsSnapshot> {
    if (!last || Date.now() - last.at > SNAPSHOT_TTL_MS) {
      queued ??= readMetricsSnapshot(sql, STATEMENT_TIMEOUT_MS).finally(() => (queued = undefined));
      const read = withTimeout(queued, WAIT_MS, () => new Error(`no metrics snapshot within ${WAIT_MS} ms`));
      last = { at: Date.now(), snapshot: read };
      // A failed snapshot is counted once and not reused: the next scrape tries again.
      read.catch(() => {
        failures.inc();
        if (last?.snapshot === read) last = undefined;
      });
    }
    return last.snapshot;
  }

  /** A gauge set from the snapshot at each scrape, or left without series when PostgreSQL did not answer (absent, never a stale 0). */
  function snapshotGauge<L extends string>(name: string, help: string, labelNames: readonly L[], set: (gauge: Gauge<L>, s: MetricsSnapshot) => void) {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        // Counted where the read fails (snapshot()), once however many gauges waited on it.
        await snapshot().then((s) => set(this, s), () => undefined);
      },
    });
  }

  snapshotGauge('sso_members_waiting_for_site', 'Active plain members without a site who have waited at least waited_over (0s: all of them).', ['waited_over'], (gauge, s) => {
    for (const { waitedOver, members } of s.waiting) gauge.set({ waited_over: waitedOver }, members);
  });
  snapshotGauge(
    'sso_directory_events_undelivered',
    'Directory events not yet delivered to a member lifecycle: pending (the backstop retries them) or parked (given up on until an operator retries them).',
    ['state'],
    (gauge, s) => {
      gauge.set({ state: 'pending' }, s.directoryEvents.pending);
      gauge.set({ state: 'parked' }, s.directoryEvents.parked);
    },
  );
  snapshotGauge('sso_site_access_queued_members', 'Members a change of site-access rules queued whose sites are not worked out yet.', [], (gauge, s) => gauge.set(s.siteAccessQueue.members));
  snapshotGauge('sso_site_access_queue_oldest_seconds', 'Age of the oldest queued member (0 when none): a queue that ages means no run takes it.', [], (gauge, s) => gauge.set(s.siteAccessQueue.oldestSeconds));
  snapshotGauge('sso_site_access_announcements_owed', 'Members whose site access began or ended and whose lifecycle and reminders Temporal was not told of yet.', [], (gauge, s) => gauge.set(s.siteAccessAnnouncements.owed));
  snapshotGauge('sso_site_access_announcement_oldest_seconds', 'Age of the oldest owed site-access announcement (0 when none): the 5-minute site-rules run tells those its change\'s path did not.', [], (gauge, s) => gauge.set(s.siteAccessAnnouncements.oldestSeconds));
  const failures = new Counter({ name: 'sso_metrics_snapshot_failures_total', help: 'PostgreSQL reads for the scrape-time gauges that failed or timed out (those scrapes left the gauges out).', registers });
}
