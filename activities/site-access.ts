import { log } from '@temporalio/activity';
import type { Sql } from '../db/client.ts';
import { deliverAnnouncements, overdueAnnouncements, type OutboxCursor, type PendingAnnouncement } from '../db/site-access-outbox.ts';
import { drainSiteAccessQueue } from '../db/site-rules.ts';
import type { ReminderPolicy } from '../domain/reminders.ts';
import type { SiteRulesApplied, SiteRulesScope } from '../workflows/definitions.ts';
import { heartbeating } from './heartbeat.ts';
import type { TemporalPorts } from './ports.ts';

/** Members worked out per transaction: one batch holds their row locks for well under a second. */
const BATCH = 200;
/**
 * Calls to Temporal under way at once. What they say is read first, one query after another, so
 * the activity still holds at most one pooled connection at a time (worker/capacity.ts).
 */
const ANNOUNCE_CONCURRENCY = 8;
/**
 * An announcement owed for less than this is left to the path that queued it, which tells
 * Temporal right after its commit (within seconds): a run does not tell it a second time.
 */
const ANNOUNCE_GRACE_MS = 60_000;

export function siteAccessActivities(sql: Sql, policy: ReminderPolicy, temporal: Pick<TemporalPorts, 'announceSiteAccess'>) {
  /**
   * Tells Temporal of each member owed an announcement and takes off the outbox the ones told
   * (db/site-access-outbox.ts). One not told stays for the next run; a digest re-reads PostgreSQL
   * before it is sent, so a late announcement misleads nobody. Returns how many were told.
   */
  async function announce(owed: readonly (PendingAnnouncement & { orgSlug?: string })[]): Promise<number> {
    const slugs = new Map<string, string>();
    const named = [];
    for (const one of owed) named.push({ ...one, orgSlug: one.orgSlug ?? slugs.get(one.orgId) ?? slugs.set(one.orgId, await orgSlugOf(sql, one.orgId)).get(one.orgId)! });
    return deliverAnnouncements(sql, named, { policy, concurrency: ANNOUNCE_CONCURRENCY }, ({ orgId, orgSlug, memberId }, change) =>
      temporal.announceSiteAccess({ orgId, orgSlug, memberId }, change).then(
        () => true,
        (err: unknown) => {
          log.warn('site access changed but Temporal was not told; the change stands and a later run tells it', { err, orgId, orgSlug, memberId });
          return false;
        },
      ),
    );
  }

  /**
   * Announcements a path queued and did not take off (it stopped, or Temporal did not answer), in
   * batches, oldest first. Each is looked at once a run, so one Temporal keeps refusing does not
   * hold the run; a batch of which none was told (Temporal unreachable) ends it.
   */
  async function deliverOverdue(orgId: string | undefined, step: () => void): Promise<number> {
    let delivered = 0;
    let after: OutboxCursor | undefined;
    for (;;) {
      const owed = await overdueAnnouncements(sql, { orgId, graceMs: ANNOUNCE_GRACE_MS, limit: BATCH, after });
      const told = await announce(owed);
      delivered += told;
      step();
      if (owed.length < BATCH || told === 0) return delivered;
      after = owed.at(-1);
    }
  }

  return {
    /**
     * Takes the queued members (of one organisation, or of all) off the queue in batches until it
     * is empty, then delivers the site-access announcements left owed. Idempotent: each member's
     * assignments are worked out again from the rules and decisions as they are now, and a batch
     * is dequeued in the transaction that applies it, so a retry after a crash finds only what was
     * not done; an announcement is read from PostgreSQL when it is sent, so telling twice is harmless.
     */
    async applyQueuedSiteAccess(scope: SiteRulesScope): Promise<SiteRulesApplied> {
      return heartbeating(async (step) => {
        const applied = { members: 0, flipped: 0, announcedLate: 0 };
        for (;;) {
          const batch = await drainSiteAccessQueue(sql, { orgId: scope.orgId, limit: BATCH });
          applied.members += batch.taken;
          applied.flipped += batch.flips.length;
          await announce(batch.flips);
          step(applied);
          if (batch.taken < BATCH) break;
        }
        applied.announcedLate = await deliverOverdue(scope.orgId, () => step(applied));
        return applied;
      });
    },
  };
}

async function orgSlugOf(sql: Sql, orgId: string): Promise<string> {
  const [org]: [{ slug: string }] = await sql`select slug from organisations where id = ${orgId}`;
  return org.slug;
}
