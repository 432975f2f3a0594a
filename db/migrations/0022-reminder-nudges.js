/**
 * What each organisation's site-access reminders have been told since their last digest began.
 *
 * Every new member who waits for a site tells the org's one reminder workflow when their first
 * reminder falls due (a signal and a workflow task, each billable). A burst of first sign-ins in
 * one organisation would send hundreds of nudges that change nothing: the workflow already waits
 * for an earlier time, and the digest then reads every waiting member from PostgreSQL. So a nudge
 * that reached the workflow is noted here (`told_due_at`), and a new member whose reminder falls
 * due no earlier skips theirs (db/reminder-nudges.ts).
 *
 * `epoch` counts the digests' decisions: each one bumps it and forgets what was told, because the
 * workflow plans again from that decision's read. A note is written only if no decision began
 * since the nudger read the epoch, so it never claims a nudge older than the last read.
 */
export async function up(sql) {
  await sql.unsafe(`
    create table site_access_reminder_nudges (
      org_id uuid primary key references organisations(id) on delete cascade,
      epoch bigint not null default 0,
      told_due_at timestamptz
    );
  `);
}

export async function down(sql) {
  await sql.unsafe(`drop table site_access_reminder_nudges;`);
}
