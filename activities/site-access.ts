import { log } from '@temporalio/activity';
import type { Sql } from '../db/client.ts';
import { siteAccessAnnouncement, type SiteAccessAnnouncement } from '../db/site-access.ts';
import { inTurns } from '../domain/in-turns.ts';
import type { MemberRef } from '../domain/member.ts';
import { drainSiteAccessQueue, type DrainedBatch } from '../db/site-rules.ts';
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

export function siteAccessActivities(sql: Sql, policy: ReminderPolicy, temporal: Pick<TemporalPorts, 'announceSiteAccess'>) {
  /**
   * After a batch commits: each member whose site access began or ended is announced, best
   * effort, as the api does after an admin's change; a digest re-reads PostgreSQL before it is
   * sent and the hourly reminder sweep starts reminders a lost announcement left idle.
   */
  async function announce(batch: DrainedBatch) {
    const slugs = new Map<string, string>();
    const told: { member: MemberRef; change: SiteAccessAnnouncement }[] = [];
    for (const { orgId, memberId } of batch.flips) {
      const orgSlug = slugs.get(orgId) ?? slugs.set(orgId, await orgSlugOf(sql, orgId)).get(orgId)!;
      const change = await siteAccessAnnouncement(sql, orgId, memberId, policy);
      if (change) told.push({ member: { orgId, orgSlug, memberId }, change });
    }
    await inTurns(told, ANNOUNCE_CONCURRENCY, ({ member, change }) =>
      temporal.announceSiteAccess(member, change).catch((err: unknown) => {
        log.warn('site access changed but Temporal was not told; the change stands', { err, ...member });
      }),
    );
  }

  return {
    /**
     * Takes the queued members (of one organisation, or of all) off the queue in batches until it
     * is empty. Idempotent: each member's assignments are worked out again from the rules and
     * decisions as they are now, and a batch is dequeued in the transaction that applies it, so a
     * retry after a crash finds only what was not done.
     */
    async applyQueuedSiteAccess(scope: SiteRulesScope): Promise<SiteRulesApplied> {
      return heartbeating(async (step) => {
        const applied = { members: 0, flipped: 0 };
        for (;;) {
          const batch = await drainSiteAccessQueue(sql, { orgId: scope.orgId, limit: BATCH });
          applied.members += batch.taken;
          applied.flipped += batch.flips.length;
          await announce(batch);
          step(applied);
          if (batch.taken < BATCH) return applied;
        }
      });
    },
  };
}

async function orgSlugOf(sql: Sql, orgId: string): Promise<string> {
  const [org]: [{ slug: string }] = await sql`select slug from organisations where id = ${orgId}`;
  return org.slug;
}
