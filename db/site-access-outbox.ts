/**
 * Site-access announcements still owed to Temporal (migration 0021): a member's row is written in
 * the transaction that began or ended their site access, and taken off once Temporal was told.
 * What is told is read again when it is sent (db/site-access.ts siteAccessAnnouncement), so a row
 * says only whom to tell, and telling twice is harmless.
 */
import { inTurns } from '../domain/in-turns.ts';
import type { ReminderPolicy } from '../domain/reminders.ts';
import type { Queryable } from './client.ts';
import { siteAccessAnnouncement, type SiteAccessAnnouncement } from './site-access.ts';

/**
 * A member owed an announcement. `queuedAt` is PostgreSQL's text of the row's time, microseconds
 * kept (a Date keeps milliseconds), so a delete by it matches this row and no newer one. It goes
 * back as text (`::text::timestamptz`): postgres.js would send a timestamptz parameter through a Date.
 */
export interface PendingAnnouncement {
  orgId: string;
  memberId: string;
  queuedAt: string;
}

/**
 * Owes the members an announcement, in the caller's transaction (one row a member: a row already
 * there takes this change's time, so a path still telling the older change leaves it in place).
 * `clock_timestamp()`, not the transaction's start: a later change, which waits for this one's
 * commit on the member's row, always writes a later time.
 */
export async function queueAnnouncements(tx: Queryable, orgId: string, memberIds: readonly string[]): Promise<PendingAnnouncement[]> {
  if (memberIds.length === 0) return [];
  return tx<PendingAnnouncement[]>`
    insert into site_access_announcements (org_id, member_id)
    select ${orgId}, unnest(${[...memberIds]}::uuid[])
    on conflict (member_id) do update set queued_at = clock_timestamp()
    returning org_id as "orgId", member_id as "memberId", queued_at::text as "queuedAt"`;
}

/** Takes off the rows of announcements Temporal was told, each only if no newer change re-queued it meanwhile. */
export async function clearAnnounced(sql: Queryable, told: readonly PendingAnnouncement[]): Promise<void> {
  if (told.length === 0) return;
  await sql`
    delete from site_access_announcements o
    using unnest(${told.map((t) => t.memberId)}::uuid[], ${told.map((t) => t.queuedAt)}::text[]::timestamptz[]) as t(member_id, queued_at)
    where o.member_id = t.member_id and o.queued_at = t.queued_at`;
}

/**
 * Delivers owed announcements, the one way every path does: what each member is told is read one
 * after another (one pooled connection), then Temporal is told `concurrency` at a time (`tell`
 * answers whether it was), and the rows told are taken off after, so no connection is held while
 * Temporal is waited for. A member gone since has nothing to be told (their row went with them).
 * Returns how many were told.
 */
export async function deliverAnnouncements<T extends PendingAnnouncement>(
  sql: Queryable,
  owed: readonly T[],
  { policy, concurrency }: { policy: ReminderPolicy; concurrency: number },
  tell: (one: T, change: SiteAccessAnnouncement) => Promise<boolean>,
): Promise<number> {
  const changes: { one: T; change: SiteAccessAnnouncement | undefined }[] = [];
  for (const one of owed) changes.push({ one, change: await siteAccessAnnouncement(sql, one.orgId, one.memberId, policy) });
  const done = (await inTurns(changes, concurrency, async ({ one, change }) => (!change || (await tell(one, change)) ? [one] : []))).flat();
  await clearAnnounced(sql, done);
  return done.length;
}

/** Where a walk over the owed announcements goes on from: after this row, in their order. */
export type OutboxCursor = Pick<PendingAnnouncement, 'memberId' | 'queuedAt'>;

/**
 * Up to `limit` announcements owed for longer than `graceMs` (of one organisation, or of all),
 * oldest first, after `after`: the path that wrote a younger row is still telling it.
 */
export async function overdueAnnouncements(
  sql: Queryable,
  { orgId, graceMs, limit, after }: { orgId?: string | undefined; graceMs: number; limit: number; after?: OutboxCursor | undefined },
): Promise<(PendingAnnouncement & { orgSlug: string })[]> {
  return sql<(PendingAnnouncement & { orgSlug: string })[]>`
    select o.org_id as "orgId", g.slug as "orgSlug", o.member_id as "memberId", o.queued_at::text as "queuedAt"
    from site_access_announcements o join organisations g on g.id = o.org_id
    where o.queued_at < now() - ${graceMs} * interval '1 millisecond'
      ${orgId ? sql`and o.org_id = ${orgId}` : sql``}
      ${after ? sql`and (o.queued_at, o.member_id) > (${after.queuedAt}::text::timestamptz, ${after.memberId}::uuid)` : sql``}
    order by o.queued_at, o.member_id limit ${limit}`;
}
