/**
 * Since when a member has been waiting for site access, kept beside the assignments so the member
 * API and the reminders read one truth; and the site-scoped content that site access gates.
 */
export async function up(sql) {
  await sql.unsafe(`
    -- Null while the member has a site; otherwise the later of joining and losing the last site.
    -- The default covers every way a member is created (JIT, invitation, operator, directory);
    -- db/site-assignments.ts keeps it in step in the transaction that changes the assignments.
    alter table members add column site_access_pending_since timestamptz default now();
    update members m set site_access_pending_since =
      case when exists (select 1 from site_assignments a where a.member_id = m.id) then null else m.created_at end;
    create index members_waiting_for_site on members(org_id, site_access_pending_since)
      where site_access_pending_since is not null;
    -- Keyset paging of the member list (newest first).
    create index members_org_created on members(org_id, created_at desc, id desc);

    -- As for site_assignments, composite keys keep content and author inside the site's organisation.
    create table announcements (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null,
      site_id uuid not null,
      title text not null check (length(title) between 1 and 200),
      body text not null check (length(body) between 1 and 5000),
      -- Null for content the operator or the demo seed put there.
      author_member_id uuid,
      created_at timestamptz not null default now(),
      foreign key (org_id, site_id) references sites(org_id, id) on delete cascade,
      foreign key (org_id, author_member_id) references members(org_id, id) on delete restrict
    );
    create index announcements_site_time on announcements(site_id, created_at desc);

    create table bookings (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null,
      site_id uuid not null,
      resource text not null check (length(resource) between 1 and 200),
      booked_by text not null check (length(booked_by) between 1 and 200),
      starts_at timestamptz not null,
      ends_at timestamptz not null check (ends_at > starts_at),
      created_at timestamptz not null default now(),
      foreign key (org_id, site_id) references sites(org_id, id) on delete cascade
    );
    create index bookings_site_time on bookings(site_id, starts_at);

    create table visitors (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null,
      site_id uuid not null,
      name text not null check (length(name) between 1 and 200),
      company text not null default '' check (length(company) <= 200),
      host text not null check (length(host) between 1 and 200),
      expected_at timestamptz not null,
      created_at timestamptz not null default now(),
      foreign key (org_id, site_id) references sites(org_id, id) on delete cascade
    );
    create index visitors_site_time on visitors(site_id, expected_at);
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    drop table if exists visitors, bookings, announcements;
    drop index if exists members_org_created;
    drop index if exists members_waiting_for_site;
    alter table members drop column if exists site_access_pending_since;
  `);
}
