/** The whole domain of DESIGN.md. Invariants live here as constraints, not only in code. */
export async function up(sql) {
  await sql.unsafe(`
    create extension if not exists citext;

    create table organisations (
      id uuid primary key default gen_random_uuid(),
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now()
    );

    -- A domain belongs to at most one organisation: the primary key is the domain alone.
    create table verified_domains (
      domain text primary key check (domain = lower(domain) and domain ~ '^[a-z0-9.-]+\\.[a-z]{2,}$'),
      org_id uuid not null references organisations(id) on delete cascade,
      created_at timestamptz not null default now()
    );
    create index verified_domains_org on verified_domains(org_id);

    create table sso_connections (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null unique references organisations(id) on delete cascade,
      issuer text not null check (issuer ~ '^https?://'),
      client_id text not null check (length(client_id) > 0),
      client_secret_encrypted text not null,
      extra_scopes text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table members (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete restrict,
      email citext not null check (email ~ '^[^@\\s]+@[^@\\s]+$'),
      name text not null default '',
      org_role text not null default 'member' check (org_role in ('member', 'org_admin')),
      status text not null default 'active' check (status in ('active', 'disabled')),
      source text not null check (source in ('jit', 'invitation', 'directory', 'operator')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, email),
      unique (org_id, id)
    );

    -- A sign-in identity is keyed by (connection, iss, sub), never by email.
    create table identities (
      id uuid primary key default gen_random_uuid(),
      member_id uuid not null references members(id) on delete restrict,
      connection_id uuid not null references sso_connections(id) on delete restrict,
      iss text not null,
      sub text not null,
      email citext not null,
      created_at timestamptz not null default now(),
      last_sign_in_at timestamptz,
      unique (connection_id, iss, sub)
    );
    create index identities_member on identities(member_id);

    create table sites (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now(),
      unique (org_id, name),
      unique (org_id, id)
    );

    -- The composite keys make a cross-organisation assignment impossible.
    create table site_assignments (
      org_id uuid not null,
      member_id uuid not null,
      site_id uuid not null,
      site_role text not null check (site_role in ('site_member', 'site_admin')),
      created_at timestamptz not null default now(),
      primary key (member_id, site_id),
      foreign key (org_id, member_id) references members(org_id, id) on delete cascade,
      foreign key (org_id, site_id) references sites(org_id, id) on delete cascade
    );

    create table invitations (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete cascade,
      email citext not null check (email ~ '^[^@\\s]+@[^@\\s]+$'),
      org_role text not null check (org_role in ('member', 'org_admin')),
      status text not null default 'pending' check (status in ('pending', 'accepted', 'revoked')),
      invited_by uuid references members(id) on delete set null,
      accepted_member_id uuid references members(id) on delete set null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      accepted_at timestamptz,
      revoked_at timestamptz,
      check ((status = 'accepted') = (accepted_at is not null and accepted_member_id is not null)),
      check ((status = 'revoked') = (revoked_at is not null))
    );
    create unique index invitations_one_pending on invitations(org_id, email) where status = 'pending';

    create table it_contacts (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete cascade,
      email citext not null check (email ~ '^[^@\\s]+@[^@\\s]+$'),
      name text not null default '',
      created_at timestamptz not null default now(),
      unique (org_id, email)
    );

    -- Only a hash of the session id is stored: a database leak yields no usable cookie.
    create table sessions (
      id_hash bytea primary key check (length(id_hash) = 32),
      member_id uuid not null references members(id) on delete cascade,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    );
    create index sessions_member_live on sessions(member_id) where revoked_at is null;

    create table scim_tokens (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organisations(id) on delete cascade,
      token_hash bytea not null unique check (length(token_hash) = 32),
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );

    create table directory_links (
      member_id uuid primary key references members(id) on delete restrict,
      org_id uuid not null references organisations(id) on delete cascade,
      external_id text,
      user_name citext not null,
      active boolean not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, external_id),
      unique (org_id, user_name)
    );

    create table audit_events (
      id bigint generated always as identity primary key,
      org_id uuid references organisations(id) on delete restrict,
      member_id uuid references members(id) on delete restrict,
      actor text not null,
      type text not null,
      data jsonb not null default '{}',
      idempotency_key text unique,
      created_at timestamptz not null default now()
    );
    create index audit_events_org_time on audit_events(org_id, created_at);
    create index audit_events_member on audit_events(member_id, created_at);

    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only' using errcode = 'insufficient_privilege';
    end $$;
    create trigger audit_events_no_update_delete before update or delete on audit_events
      for each row execute function audit_events_append_only();
    create trigger audit_events_no_truncate before truncate on audit_events
      for each statement execute function audit_events_append_only();

    create table email_log (
      id bigint generated always as identity primary key,
      idempotency_key text not null unique,
      org_id uuid references organisations(id) on delete restrict,
      kind text not null,
      to_addresses text[] not null check (cardinality(to_addresses) > 0),
      subject text not null,
      status text not null default 'pending' check (status in ('pending', 'sent')),
      message_id text,
      created_at timestamptz not null default now(),
      sent_at timestamptz
    );
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    drop table if exists email_log, audit_events, directory_links, scim_tokens, sessions, it_contacts,
      invitations, site_assignments, sites, identities, members, sso_connections, verified_domains, organisations cascade;
    drop function if exists audit_events_append_only();
  `);
}
