/**
 * Site-access announcements still owed to Temporal (a transactional outbox).
 *
 * When a member's site access begins or ends, their lifecycle's search attributes and the org's
 * reminders are told after the commit (api/site-access-announcer.ts, activities/site-access.ts).
 * A process that stops between the commit and that call, or a Temporal that does not answer, would
 * lose the announcement for good. So the change writes a row here in its own transaction; the path
 * that made it deletes the row once Temporal was told, and the 5-minute site-rules run delivers
 * rows that were left behind (db/site-access-outbox.ts).
 *
 * One row per member: what is announced is read from PostgreSQL when it is sent, so a second
 * change before the first is told needs no second row, only a new `queued_at`. A deleting path
 * names the `queued_at` it wrote, so it never takes off a row a newer change wrote meanwhile.
 */
export async function up(sql) {
  await sql.unsafe(`
    create table site_access_announcements (
      org_id uuid not null,
      member_id uuid not null,
      queued_at timestamptz not null default clock_timestamp(),
      primary key (member_id),
      foreign key (org_id, member_id) references members(org_id, id) on delete cascade
    );
    create index site_access_announcements_age on site_access_announcements(queued_at, member_id);
  `);
}

export async function down(sql) {
  await sql.unsafe(`drop table site_access_announcements;`);
}
