import postgres from 'postgres';
import type { Logger } from 'pino';

/**
 * postgres.js starts each new connection by reading the catalog's array types (fetch_types) in a
 * promise nobody awaits, so when that read fails (the server restarting, pg_terminate_backend, a
 * lock or statement timeout) Node sees an unhandled rejection and ends the process
 * (porsager/postgres#1223): an api or worker would die of a database hiccup it otherwise answers
 * with a 503 or a retried activity. The statement that wanted the connection fails on its own, with
 * the same error, where it is handled.
 */
const isArrayTypeRead = (reason: unknown): boolean =>
  reason instanceof postgres.PostgresError && /\bfrom pg_catalog\.pg_type\b/.test(String((reason as { query?: unknown }).query));

/** Logs such a rejection and goes on; any other unhandled rejection still ends the process, as Node's default does. */
export function surviveArrayTypeReadFailures(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (!isArrayTypeRead(reason)) throw reason;
    log.warn({ err: reason }, 'a new PostgreSQL connection failed while reading array types; the statement waiting for it failed too and is retried or answered 503');
  });
}
