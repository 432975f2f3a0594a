/**
 * Site-access reminder progress lives beside the members it is about, so the per-org reminder
 * workflow keeps only a few numbers however many members wait (its history and continue-as-new
 * input stay small at ten thousand waiting members). And a recipient the mail server keeps
 * deferring can be given up on once others got through, instead of holding a digest back forever.
 */
export async function up(sql) {
  await sql.unsafe(`
    -- The last reminder step sent about a member's current wait. A row whose waiting_since differs
    -- from the member's site_access_pending_since belongs to an earlier wait and counts as step 0.
    create table site_access_reminders (
      member_id uuid primary key references members(id) on delete cascade,
      org_id uuid not null references organisations(id) on delete cascade,
      waiting_since timestamptz not null,
      step integer not null check (step > 0),
      -- The digest that sent it: a retried digest recognises the members it already advanced.
      digest_key text not null,
      updated_at timestamptz not null default now()
    );
    create index site_access_reminders_digest on site_access_reminders(digest_key);

    -- One row per digest that advanced anyone: its idempotency record, and the window's start.
    create table site_access_digests (
      digest_key text primary key,
      org_id uuid not null references organisations(id) on delete cascade,
      level integer not null check (level > 0),
      created_at timestamptz not null default now()
    );
    create index site_access_digests_org_time on site_access_digests(org_id, created_at desc);

    alter table email_log add column attempts integer not null default 0;
    alter table email_log drop constraint email_log_status_check;
    alter table email_log add constraint email_log_status_check check (status in ('pending', 'sent', 'rejected', 'failed'));
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    update email_log set status = 'pending' where status = 'failed';
    alter table email_log drop constraint email_log_status_check;
    alter table email_log add constraint email_log_status_check check (status in ('pending', 'sent', 'rejected'));
    alter table email_log drop column attempts;
    drop table if exists site_access_digests, site_access_reminders;
  `);
}
