/** Reads behind site-access reminders, shared by the reminder activities and the api. */
import type { Queryable } from './client.ts';
import { isEmailAddress } from '../domain/email.ts';
import { dueAt, type ReminderContacts, type ReminderPolicy, type ReminderProgress, type WaitingMember } from '../domain/reminders.ts';

/** The audit event written for each member a reminder digest was sent about. */
export const REMINDER_SENT_EVENT = 'site_access.reminder_sent';

/** Where `m`'s wait counts from: the loss of their last site, or joining (`site_access_pending_since` is kept by the assignment code). */
const waitClock = (sql: Queryable) => sql`coalesce(m.site_access_pending_since, m.created_at)`;

/**
 * Since when `m` has had no site as a plain member (org admins reach every site of their
 * organisation), whatever their status: the clock of their wait, null while they have a site. A
 * disable keeps it, so a member re-enabled without a site waits again from where they began.
 */
const noSiteSince = (sql: Queryable) => sql`
  case when m.org_role = 'member' and not exists (select 1 from site_assignments a where a.member_id = m.id)
    then ${waitClock(sql)} end`;

/**
 * The one rule of who waits for a site, behind the reminders, their digests, the member list (API
 * and page) and the member page: an active plain member without a site. A disabled member does not
 * wait (no reminders, and an assignment is refused until they are enabled); the member's lifecycle
 * applies the same rule to its own status and the clock read here (`siteAccessClock`).
 */
export const waitsForSite = (sql: Queryable) => sql`(m.status = 'active' and ${noSiteSince(sql)} is not null)`;

/** Since when `m` waits for a site (the rule above), null when they do not. */
export const waitingForSiteSince = (sql: Queryable) => sql`case when m.status = 'active' then ${noSiteSince(sql)} end`;

/** Members `m`, with `w.since` their wait's start and `r` the reminder progress of that wait (if any). */
const waitingFrom = (sql: Queryable) => sql`
  from members m
  cross join lateral (select ${waitClock(sql)} as since) w
  left join site_access_reminders r on r.member_id = m.id and r.waiting_since = w.since`;

/** The member's wait clock (ISO, or null) and the database's time of reading it, for their lifecycle. */
export async function siteAccessClock(sql: Queryable, memberId: string): Promise<{ pendingSince: string | null; readAt: string } | undefined> {
  const [row]: [{ pendingSince: Date | null; readAt: Date }?] = await sql`
    select ${noSiteSince(sql)} as "pendingSince", now() as "readAt" from members m where m.id = ${memberId}`;
  return row && { pendingSince: row.pendingSince?.toISOString() ?? null, readAt: row.readAt.toISOString() };
}

export interface WaitingWithProgress extends WaitingMember, ReminderProgress {
  /** The digest that sent `step`, or null before the first reminder of this wait. */
  digestKey: string | null;
}

/**
 * The members who wait for a site (`waitsForSite`); the wait counts from `site_access_pending_since`,
 * which the assignment code keeps (creation, or the removal of the last site). Each comes with the
 * reminder step sent about this wait; progress recorded for an earlier wait does not count.
 */
export async function waitingMembers(sql: Queryable, orgId: string, memberId?: string): Promise<WaitingWithProgress[]> {
  const rows = await sql<(Omit<WaitingWithProgress, 'waitingSince'> & { waitingSince: Date })[]>`
    select m.id as "memberId", m.name, m.email::text as email, w.since as "waitingSince",
           coalesce(r.step, 0) as step, r.digest_key as "digestKey"
    ${waitingFrom(sql)}
    where m.org_id = ${orgId} and ${waitsForSite(sql)} ${memberId === undefined ? sql`` : sql`and m.id = ${memberId}`}
    order by w.since, m.id`;
  return rows.map((row) => ({ ...row, waitingSince: row.waitingSince.toISOString() }));
}

/** The ids of the first `limit` members of the organisation who wait for a site, longest waiting first. */
export async function waitingMemberIds(sql: Queryable, orgId: string, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select m.id from members m where m.org_id = ${orgId} and ${waitsForSite(sql)} order by ${waitClock(sql)}, m.id limit ${limit}`;
  return rows.map((r) => r.id);
}

/** How many members of the organisation wait for a site. */
export async function countWaiting(sql: Queryable, orgId: string): Promise<number> {
  const [row]: [{ n: number }] = await sql`select count(*)::int as n from members m where m.org_id = ${orgId} and ${waitsForSite(sql)}`;
  return row.n;
}

/** When the org's last digest went out, if one has. */
export async function lastDigestAt(sql: Queryable, orgId: string): Promise<Date | undefined> {
  const [row]: [{ at: Date | null }?] = await sql`select max(created_at) as at from site_access_digests where org_id = ${orgId}`;
  return row?.at ?? undefined;
}

/**
 * Records a digest and the step it sent about each member it advances, against the member's
 * current wait (read here, so it matches `waitingMembers` to the microsecond).
 */
export async function recordDigest(sql: Queryable, digest: { orgId: string; digestKey: string; level: number; advanced: { memberId: string; step: number }[] }) {
  await sql`insert into site_access_digests (digest_key, org_id, level) values (${digest.digestKey}, ${digest.orgId}, ${digest.level})`;
  await sql`
    insert into site_access_reminders (member_id, org_id, waiting_since, step, digest_key)
    select m.id, m.org_id, ${waitClock(sql)}, x.step, ${digest.digestKey}
    from jsonb_to_recordset(${sql.json(digest.advanced as never)}) as x("memberId" uuid, step integer)
    join members m on m.id = x."memberId" and m.org_id = ${digest.orgId}
    on conflict (member_id) do update
      set waiting_since = excluded.waiting_since, step = excluded.step, digest_key = excluded.digest_key, updated_at = now()`;
}

/** Everyone who may receive an org's reminders; addresses that cannot receive mail are set aside, never guessed at. */
export async function reminderContacts(sql: Queryable, orgId: string): Promise<ReminderContacts> {
  const admins = await sql<{ id: string; email: string }[]>`
    select id, lower(email) as email from members
    where org_id = ${orgId} and org_role = 'org_admin' and status = 'active' order by email`;
  const itContacts = await sql<{ email: string }[]>`select lower(email) as email from it_contacts where org_id = ${orgId} order by email`;
  return {
    admins: admins.filter((a) => isEmailAddress(a.email)).map((a) => a.email),
    itContacts: itContacts.map((c) => c.email).filter(isEmailAddress),
    adminsWithoutEmail: admins.filter((a) => !isEmailAddress(a.email)).map((a) => a.id),
  };
}

/** When a digest first named the member during their current wait, if one has. */
export async function firstReminderAt(sql: Queryable, memberId: string, waitingSince: string): Promise<string | null> {
  const [row]: [{ at: Date | null }?] = await sql`
    select min(created_at) as at from audit_events
    where member_id = ${memberId} and type = ${REMINDER_SENT_EVENT} and created_at >= ${waitingSince}::timestamptz`;
  return row?.at?.toISOString() ?? null;
}

/** When the member's next reminder falls due (ISO), for the nudge that tells the reminders; undefined unless they wait for one. */
export async function reminderDueAt(sql: Queryable, orgId: string, memberId: string, policy: ReminderPolicy): Promise<string | undefined> {
  const [waiting] = await waitingMembers(sql, orgId, memberId);
  const due = waiting && dueAt(waiting, policy);
  return due === undefined ? undefined : new Date(due).toISOString();
}

/**
 * Organisations (all, or the one given) where someone waits for a reminder step that is still to
 * come and an admin or IT contact exists, with the earliest such step's due time: the ones whose
 * reminders should be running. Whether those have an address that can receive mail is checked by
 * the caller (reminderContacts), as everywhere else.
 */
export async function orgsWithRemindersDue(sql: Queryable, policy: ReminderPolicy, orgId?: string): Promise<{ orgId: string; orgSlug: string; dueAt: Date }[]> {
  return sql`
    select o.id as "orgId", o.slug as "orgSlug",
           min(w.since + (${policy.scheduleMs}::bigint[])[coalesce(r.step, 0) + 1] * interval '1 millisecond') as "dueAt"
    ${waitingFrom(sql)}
    join organisations o on o.id = m.org_id
    where ${waitsForSite(sql)} and coalesce(r.step, 0) < ${policy.scheduleMs.length} ${orgId === undefined ? sql`` : sql`and o.id = ${orgId}`}
      and (exists (select 1 from members a where a.org_id = o.id and a.org_role = 'org_admin' and a.status = 'active')
           or exists (select 1 from it_contacts c where c.org_id = o.id))
    group by o.id, o.slug
    order by o.slug`;
}

/**
 * Whether someone in the organisation waits for a reminder step still to come: only then is a
 * new recipient (admin or IT contact) worth a nudge, which costs a start, a signal and a digest.
 */
export async function remindersAwaitRecipients(sql: Queryable, policy: ReminderPolicy, orgId: string): Promise<boolean> {
  return (await orgsWithRemindersDue(sql, policy, orgId)).length > 0;
}

/**
 * What a member's lifecycle and the org's reminders are told after their site access began or
 * ended: the wait clock, and when they now wait, when their first reminder falls due.
 */
export interface SiteAccessAnnouncement {
  pendingSince: string | null;
  changedAt: string;
  dueAt: string | undefined;
}

export async function siteAccessAnnouncement(sql: Queryable, orgId: string, memberId: string, policy: ReminderPolicy): Promise<SiteAccessAnnouncement | undefined> {
  const clock = await siteAccessClock(sql, memberId);
  if (!clock) return undefined;
  const dueAt = clock.pendingSince ? await reminderDueAt(sql, orgId, memberId, policy) : undefined;
  return { pendingSince: clock.pendingSince, changedAt: clock.readAt, dueAt };
}
