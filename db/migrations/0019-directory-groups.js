/**
 * SCIM Groups of an organisation's directory (Okta Group Push, Microsoft Entra ID groups). Stored and
 * audited here; the site-access rules of 0020 give sites by them.
 *
 * A membership names the member, not the SCIM user resource: a user the directory deactivates or
 * deletes keeps their memberships (the member is never deleted, and neither is what the directory
 * said about them). Both keys carry the organisation, so a membership across organisations is
 * impossible by constraint, whatever the code does (as site_assignments in 0001).
 *
 * The app role gets DML on both tables through the owner's default privileges (deploy/database-roles.sql);
 * nothing here needs more or less.
 */
export async function up(sql) {
  await sql.unsafe(`
    create table directory_groups (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete cascade,
      display_name text not null check (char_length(btrim(display_name)) between 1 and 256),
      external_id text check (char_length(external_id) between 1 and 256),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, id)
    );
    -- Directories look a group up by displayName before pushing it; two with one name would be ambiguous.
    create unique index directory_groups_display_name on directory_groups(org_id, lower(display_name));
    create unique index directory_groups_external_id on directory_groups(org_id, external_id) where external_id is not null;
    create index directory_groups_org_order on directory_groups(org_id, created_at, id);

    create table directory_group_members (
      org_id uuid not null,
      group_id uuid not null,
      member_id uuid not null,
      added_at timestamptz not null default now(),
      primary key (group_id, member_id),
      foreign key (org_id, group_id) references directory_groups(org_id, id) on delete cascade,
      foreign key (org_id, member_id) references members(org_id, id) on delete cascade
    );
    -- "Which groups is this member in": what site rules will ask.
    create index directory_group_members_member on directory_group_members(member_id);
  `);
}

export async function down(sql) {
  await sql.unsafe(`drop table directory_group_members, directory_groups;`);
}
