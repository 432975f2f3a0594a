/**
 * Many organisations' first reminder digests falling due within one minute, as after a deploy or
 * an outage: each org gets an admin and a member whose first step falls due at its own moment in
 * that minute, and its reminder workflow is nudged exactly as a new member's lifecycle nudges it.
 * Lateness is when the admin's digest reached the SMTP server, after its due time.
 */
import type { Client } from '@temporalio/client';
import { loadConfig } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import { insertMember, insertOrg, uniqueSlug } from '../test/support/fixtures.ts';
import type { Target } from './target.ts';

export interface StormOutcome {
  /** When the first digest fell due (epoch ms): sign-ins measured from then on ran during the storm. */
  firstDueAt: number;
  /** Milliseconds after its due time that each delivered digest arrived. */
  lateness: number[];
  /** Digests not delivered by the deadline. */
  missing: number;
}

export async function startDigestStorm(
  sql: Sql,
  client: Client,
  target: Target,
  { orgs, leadMs, spreadMs }: { orgs: number; leadMs: number; spreadMs: number },
): Promise<{ firstDueAt: number; outcome(deadlineMs: number): Promise<StormOutcome> }> {
  const firstStepMs = loadConfig(target.env).reminders.scheduleMs[0]!;
  const firstDueAt = Date.now() + leadMs;
  const dueAt = new Map<string, number>();
  for (let i = 0; i < orgs; i++) {
    const org = await insertOrg(sql, uniqueSlug('storm'));
    const admin = await insertMember(sql, org.id, `admin@${org.slug}.test`, { orgRole: 'org_admin' });
    const waiting = await insertMember(sql, org.id, `waiting@${org.slug}.test`);
    const due = firstDueAt + Math.floor((i * spreadMs) / orgs);
    await sql`update members set site_access_pending_since = ${new Date(due - firstStepMs)} where id = ${waiting.id}`;
    await nudgeReminders(client, { orgId: org.id, orgSlug: org.slug }, target.temporal.taskQueue, { dueAt: new Date(due).toISOString() });
    dueAt.set(admin.email, due);
  }
  if (Date.now() > firstDueAt) console.warn(`bench: setting up the storm took past its first due time; raise BENCH_STORM_LEAD_MS`);
  return {
    firstDueAt,
    async outcome(deadlineMs) {
      const lastDue = Math.max(...dueAt.values());
      const until = lastDue + deadlineMs;
      while (Date.now() < until && [...dueAt.keys()].some((a) => !target.smtp.deliveredAt.has(a))) await new Promise((r) => setTimeout(r, 500));
      const lateness = [...dueAt].flatMap(([address, due]) => {
        const at = target.smtp.deliveredAt.get(address);
        return at === undefined ? [] : [at - due];
      });
      return { firstDueAt, lateness, missing: dueAt.size - lateness.length };
    },
  };
}
