import postgres from 'postgres';
import { withTimeout } from '../domain/timeout.ts';
import { retryingTerminatedSessions } from './terminated-sessions.ts';

export type Sql = postgres.Sql;

/**
 * Connections per process unless DATABASE_POOL_MAX says otherwise: the worker's default
 * concurrency needs 6 + 4 + 3 + 1 (worker/capacity.ts). Two workers and two api processes at this
 * default hold at most 56 of PostgreSQL's default max_connections of 100 (3 reserved for superusers).
 */
export const DEFAULT_POOL_MAX = 14;

/**
 * Server-side bounds on every session the service opens, so overload or a held lock fails the
 * statement (a retried activity, a request's 5xx) instead of waiting for ever: no statement runs
 * longer than the shortest activity's start-to-close, a lock is waited for only briefly, and a
 * transaction left open between statements (a bug awaiting something else inside it) is ended and
 * its locks and connection freed.
 */
export const SESSION_LIMITS = {
  statement_timeout: 8_000,
  lock_timeout: 4_000,
  idle_in_transaction_session_timeout: 10_000,
} as const;

export function createSql(databaseUrl: string, options: postgres.Options<Record<string, never>> = {}): Sql {
  const { connection, ...rest } = options;
  return retryingTerminatedSessions(
    postgres(databaseUrl, {
      max: DEFAULT_POOL_MAX,
      idle_timeout: 30,
      connect_timeout: 10,
      onnotice: () => {},
      ...rest,
      connection: { ...SESSION_LIMITS, ...connection },
    }),
  );
}

/**
 * One `select 1` through the pool within `withinMs`: fails when no connection can be had (every one
 * held) as when the server does not answer, so health checks see a stuck pool and not only a live
 * server. A late probe stays queued and runs once a connection frees (cancelling it could crash
 * the process: postgres.js drops the cancel request's own failure unhandled).
 */
export async function roundTrip(sql: Sql, withinMs: number): Promise<void> {
  await withTimeout(sql`select 1`, withinMs, () => new Error(`no PostgreSQL round trip within ${withinMs} ms: every pooled connection busy, or the server not answering`));
}

/** A unique constraint refused the row: the caller turns that into a clear conflict. */
export const isUniqueViolation = (err: unknown): boolean => err instanceof postgres.PostgresError && err.code === '23505';

/** A pool or an open transaction: helpers that only run statements accept either. */
export type Queryable = Sql | postgres.TransactionSql;
