import type { Sql } from '../db/client.ts';

const announcements = [
  { title: 'Welcome to {site}', body: 'Badges are at the front desk; ask for the Wi-Fi code there.' },
  { title: 'Fire drill on Thursday', body: 'At 10:00 everyone leaves by the nearest exit and meets at the assembly point.' },
];
const bookings = [
  { resource: 'Meeting room 1', bookedBy: 'Avery Admin', startsInHours: 2, hours: 1 },
  { resource: 'Desk 14', bookedBy: 'Bob Example', startsInHours: 24, hours: 8 },
];
const visitors = [
  { name: 'Pat Visitor', company: 'Contoso', host: 'Avery Admin', expectedInHours: 3 },
  { name: 'Sam Auditor', company: 'Audit & Co', host: 'Carol Example', expectedInHours: 26 },
];

/**
 * A few announcements, bookings and visitors for every site of the organisation that has none
 * yet, so that assigning a demo member to a site visibly opens its content. Times follow today.
 */
export async function seedSiteContent(sql: Sql, orgSlug: string): Promise<number> {
  const sites = await sql<{ id: string; orgId: string; name: string }[]>`
    select s.id, s.org_id as "orgId", s.name from sites s join organisations o on o.id = s.org_id
    where o.slug = ${orgSlug} and not exists (select 1 from announcements a where a.site_id = s.id)`;
  await sql.begin(async (tx) => {
    for (const site of sites) {
      for (const a of announcements) {
        await tx`insert into announcements (org_id, site_id, title, body)
                 values (${site.orgId}, ${site.id}, ${a.title.replace('{site}', site.name)}, ${a.body})`;
      }
      for (const b of bookings) {
        await tx`insert into bookings (org_id, site_id, resource, booked_by, starts_at, ends_at)
                 values (${site.orgId}, ${site.id}, ${b.resource}, ${b.bookedBy},
                         now() + ${`${b.startsInHours} hours`}::interval, now() + ${`${b.startsInHours + b.hours} hours`}::interval)`;
      }
      for (const v of visitors) {
        await tx`insert into visitors (org_id, site_id, name, company, host, expected_at)
                 values (${site.orgId}, ${site.id}, ${v.name}, ${v.company}, ${v.host}, now() + ${`${v.expectedInHours} hours`}::interval)`;
      }
    }
  });
  return sites.length;
}
