/** Reads behind site-access reminders, shared by the reminder activities and the api. */
import type { Queryable } from './client.ts';
import { isEmailAddress } from '../domain/email.ts';
import type { ReminderContacts, WaitingMember } from '../domain/reminders.ts';

/** The audit event written for each member a reminder digest was sent about. */
export const REMINDER_SENT_EVENT = 'site_access.reminder_sent';

/**
 * A member waits for site access while active, a plain member (org admins reach every site of
 * their organisation) and assigned to no site; the wait counts from `site_access_pending_since`,
 * which the assignment code keeps (creation, or the removal of the last site).
 */
export async function waitingMembers(sql: Queryable, orgId: string, memberId?: string): Promise<WaitingMember[]> {
  const rows = await sql<(Omit<WaitingMember, 'waitingSince'> & { waitingSince: Date })[]>`
    select m.id as "memberId", m.name, m.email::text as email, coalesce(m.site_access_pending_since, m.created_at) as "waitingSince"
    from members m
    where m.org_id = ${orgId} and m.status = 'active' and m.org_role = 'member'
      and not exists (select 1 from site_assignments a where a.member_id = m.id)
      ${memberId === undefined ? sql`` : sql`and m.id = ${memberId}`}
    order by 4, m.id`;
  return rows.map((row) => ({ ...row, waitingSince: row.waitingSince.toISOString() }));
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
