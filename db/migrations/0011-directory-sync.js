/**
 * SCIM directory sync. A directory link is one SCIM User resource of an organisation's directory,
 * tied to one member (member_id stays the primary key: a person is one member, whatever the
 * directory does). The resource has its own id (`scim_id`), new each time the directory creates
 * the person again after a DELETE, so a deleted resource stays 404 (RFC 7644 §3.6) while the row,
 * the member and their history stay. userName and externalId are unique among live links only.
 *
 * The directory's last word on the person (`directory_state`) is ordered by `directory_seq`, drawn
 * from one sequence while the link's row is locked, so it strictly increases per member; the
 * member's lifecycle workflow gets it as a signal and ignores older ones. `signalled_seq` is the
 * last seq known delivered: a retried SCIM write re-sends a signal that a failure lost.
 *
 * One live SCIM bearer token per organisation (rotation revokes the old one in the same transaction).
 */
export async function up(sql) {
  await sql.unsafe(`
    create sequence directory_event_seq;

    alter table directory_links
      drop constraint directory_links_org_id_external_id_key,
      drop constraint directory_links_org_id_user_name_key,
      drop column active,
      add column scim_id uuid not null default gen_random_uuid(),
      add column resource jsonb not null default '{}' check (jsonb_typeof(resource) = 'object'),
      add column directory_state text not null default 'active' check (directory_state in ('active', 'inactive', 'deleted')),
      add column directory_seq bigint not null default nextval('directory_event_seq'),
      add column directory_changed_at timestamptz not null default clock_timestamp(),
      add column signalled_seq bigint not null default 0,
      add column deleted_at timestamptz,
      add constraint directory_links_deleted check ((directory_state = 'deleted') = (deleted_at is not null)),
      add constraint directory_links_member_in_org foreign key (org_id, member_id) references members(org_id, id);

    create unique index directory_links_scim_id on directory_links(scim_id);
    create unique index directory_links_live_user_name on directory_links(org_id, user_name) where deleted_at is null;
    create unique index directory_links_live_external_id on directory_links(org_id, external_id) where deleted_at is null;
    create index directory_links_org_order on directory_links(org_id, created_at, scim_id) where deleted_at is null;

    create unique index scim_tokens_one_live on scim_tokens(org_id) where revoked_at is null;
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    drop index scim_tokens_one_live;
    delete from directory_links;
    drop index directory_links_org_order, directory_links_live_external_id, directory_links_live_user_name, directory_links_scim_id;
    alter table directory_links
      drop constraint directory_links_member_in_org,
      drop constraint directory_links_deleted,
      drop column deleted_at, drop column signalled_seq, drop column directory_changed_at, drop column directory_seq,
      drop column directory_state, drop column resource, drop column scim_id,
      add column active boolean not null,
      add constraint directory_links_org_id_external_id_key unique (org_id, external_id),
      add constraint directory_links_org_id_user_name_key unique (org_id, user_name);
    drop sequence directory_event_seq;
  `);
}
