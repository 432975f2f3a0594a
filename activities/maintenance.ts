import type { Sql } from '../db/client.ts';
import { SETUP_SESSION } from '../db/setup-sessions.ts';
import { SESSION_RETENTION_DAYS } from '../domain/retention.ts';
import type { PruneResult } from '../workflows/definitions.ts';

/** Rows per delete statement: short transactions, no long locks on tables sign-ins use. */
const BATCH = 5_000;

async function deleteInBatches(deleteBatch: () => Promise<{ count: number }>): Promise<number> {
  let total = 0;
  for (;;) {
    const { count } = await deleteBatch();
    total += count;
    if (count < BATCH) return total;
  }
}

/**
 * Deletes records nobody can use any more. Idempotent: every statement matches only rows already
 * past their end, so a retry, or a run overlapping another, deletes what is left and nothing else.
 */
export function maintenanceActivities(sql: Sql) {
  return {
    async pruneExpiredRecords(): Promise<PruneResult> {
      // A session is dead from its absolute expiry or its revocation; an idle-expired one goes
      // once its absolute expiry is as old as the retention period.
      const sessions = await deleteInBatches(
        () => sql`
          delete from sessions where id_hash in (
            select id_hash from sessions
            where least(expires_at, revoked_at) < now() - ${`${SESSION_RETENTION_DAYS} days`}::interval
            limit ${BATCH})`,
      );
      // An expired attempt can no longer be consumed; it has nothing to keep for.
      const loginTransactions = await deleteInBatches(
        () => sql`
          delete from login_transactions where id in (
            select id from login_transactions where expires_at < now() limit ${BATCH})`,
      );
      const retention = `${SESSION_RETENTION_DAYS} days`;
      // A setup session ends at its absolute expiry or after its idle time; it is kept as long as a
      // member's session, then goes (the audit log keeps what it did).
      const setupSessions = await deleteInBatches(
        () => sql`
          delete from setup_sessions where id_hash in (
            select id_hash from setup_sessions
            where least(expires_at, last_seen_at + ${`${SETUP_SESSION.idleMinutes} minutes`}::interval) < now() - ${retention}::interval
            limit ${BATCH})`,
      );
      // A link opens nothing after its expiry; its session ended within hours of it, so it goes
      // with the link (on delete cascade) if it had not already.
      const setupLinks = await deleteInBatches(
        () => sql`
          delete from setup_links where id in (
            select id from setup_links where expires_at < now() - ${retention}::interval limit ${BATCH})`,
      );
      return { sessions, loginTransactions, setupSessions, setupLinks };
    },
  };
}
