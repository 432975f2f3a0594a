import type { SiteRole } from '../domain/member.ts';
import type { Queryable } from './client.ts';

/** Lists show the latest (or next) entries only: the endpoints are a minimal view of each site. */
const LIST_LIMIT = 100;

export interface SiteForMember {
  id: string;
  name: string;
  /** The member's own assignment to the site, if any. */
  assignedRole: SiteRole | null;
}

/** A site of the member's organisation with their assignment; undefined for a site of another organisation too. */
export async function findSiteForMember(
  sql: Queryable,
  { orgId, memberId }: { orgId: string; memberId: string },
  siteId: string,
): Promise<SiteForMember | undefined> {
  const [site]: [SiteForMember?] = await sql`
    select s.id, s.name, a.site_role as "assignedRole"
    from sites s left join site_assignments a on a.site_id = s.id and a.member_id = ${memberId}
    where s.id = ${siteId} and s.org_id = ${orgId}`;
  return site;
}

export interface Announcement {
  id: string;
  title: string;
  body: string;
  authorId: string | null;
  authorName: string | null;
  createdAt: Date;
}

const announcementColumns = (sql: Queryable) => sql`
  a.id, a.title, a.body, a.author_member_id as "authorId",
  (select name from members where id = a.author_member_id) as "authorName", a.created_at as "createdAt"`;

export const listAnnouncements = (sql: Queryable, siteId: string) => sql<Announcement[]>`
  select ${announcementColumns(sql)} from announcements a where a.site_id = ${siteId}
  order by a.created_at desc, a.id limit ${LIST_LIMIT}`;

export const listBookings = (sql: Queryable, siteId: string) => sql`
  select id, resource, booked_by as "bookedBy", starts_at as "startsAt", ends_at as "endsAt"
  from bookings where site_id = ${siteId} order by starts_at, id limit ${LIST_LIMIT}`;

export const listVisitors = (sql: Queryable, siteId: string) => sql`
  select id, name, company, host, expected_at as "expectedAt"
  from visitors where site_id = ${siteId} order by expected_at, id limit ${LIST_LIMIT}`;

export interface NewAnnouncement {
  orgId: string;
  siteId: string;
  authorMemberId: string;
  title: string;
  body: string;
}

export async function postAnnouncement(sql: Queryable, a: NewAnnouncement): Promise<Announcement> {
  const [row]: [Announcement] = await sql`
    with inserted as (
      insert into announcements (org_id, site_id, author_member_id, title, body)
      values (${a.orgId}, ${a.siteId}, ${a.authorMemberId}, ${a.title}, ${a.body}) returning *
    )
    select ${announcementColumns(sql)} from inserted a`;
  return row;
}
