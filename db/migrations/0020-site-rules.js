/**
 * Site-access rules and an org admin's decisions about single sites (domain/site-rules.ts).
 *
 * site_assignments stays the effective set that every read uses (site content, reminders, pages);
 * db/site-assignments.ts keeps it equal to what the rules and decisions say. Assignments made before
 * this migration were all an admin's or an operator's: they become decisions, so no site is lost
 * or changes its source when rules arrive.
 *
 * site_access_queue holds members whose assignments must be worked out again after a change that
 * reaches many of them at once (a rule created or deleted, a group deleted). It is written in the
 * same transaction as the change, so nothing is lost if the process stops before the work is done;
 * activities/site-access.ts drains it in batches.
 */
export async function up(sql) {
  await sql.unsafe(`
    create table site_rules (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete cascade,
      group_id uuid not null,
      site_id uuid not null,
      site_role text not null check (site_role in ('site_member', 'site_admin')),
      created_by text not null,
      created_at timestamptz not null default now(),
      unique (org_id, id),
      -- One rule per group and site: a different role is a different rule, made by deleting this one.
      unique (group_id, site_id),
      foreign key (org_id, group_id) references directory_groups(org_id, id) on delete cascade,
      foreign key (org_id, site_id) references sites(org_id, id) on delete cascade
    );
    create index site_rules_org_order on site_rules(org_id, created_at, id);
    create index site_rules_site on site_rules(site_id);

    create table site_decisions (
      org_id uuid not null,
      member_id uuid not null,
      site_id uuid not null,
      kind text not null check (kind in ('granted', 'removed')),
      -- A grant names its role; a removal has none.
      site_role text,
      check (kind = 'granted' and site_role is not null and site_role in ('site_member', 'site_admin')
             or kind = 'removed' and site_role is null),
      decided_by text not null,
      decided_at timestamptz not null default now(),
      primary key (member_id, site_id),
      foreign key (org_id, member_id) references members(org_id, id) on delete cascade,
      foreign key (org_id, site_id) references sites(org_id, id) on delete cascade
    );

    insert into site_decisions (org_id, member_id, site_id, kind, site_role, decided_by, decided_at)
    select org_id, member_id, site_id, 'granted', site_role, 'operator', created_at from site_assignments;

    create table site_access_queue (
      org_id uuid not null,
      member_id uuid not null,
      queued_at timestamptz not null default now(),
      primary key (member_id),
      foreign key (org_id, member_id) references members(org_id, id) on delete cascade
    );
    create index site_access_queue_org on site_access_queue(org_id, queued_at);
  `);
}

export async function down(sql) {
  await sql.unsafe(`drop table site_access_queue, site_decisions, site_rules;`);
}
