/**
 * Self-serve setup: an org admin or the operator sends an IT contact a setup link; opening it
 * starts a setup session limited to that organisation's setup pages. Like sessions and SCIM
 * tokens, only SHA-256 hashes of the link token and the session id are stored: a database leak
 * yields neither a usable link nor a usable cookie.
 */
export async function up(sql) {
  await sql.unsafe(`
    create table setup_links (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete cascade,
      email citext not null check (char_length(email) <= 320),
      token_hash bytea not null unique check (length(token_hash) = 32),
      sent_by text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      -- Single use: the one update that sets used_at wins (where used_at is null).
      used_at timestamptz,
      revoked_at timestamptz
    );
    create index setup_links_org on setup_links(org_id, created_at);

    -- One session per link (unique setup_link_id): a link never opens a second session.
    create table setup_sessions (
      id_hash bytea primary key check (length(id_hash) = 32),
      setup_link_id uuid not null unique references setup_links(id) on delete cascade,
      org_id uuid not null references organisations(id) on delete cascade,
      email citext not null,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null
    );

    -- A label an IT contact gives a token ("Okta production"), so a list of tokens reads.
    alter table scim_tokens add column name text not null default '' check (char_length(name) <= 100);
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    alter table scim_tokens drop column name;
    drop table setup_sessions, setup_links;
  `);
}
