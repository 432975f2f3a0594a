/**
 * Counters for the sign-in rate limit (one row per client network, organisation and fixed window,
 * written with one upsert) and an index that lets the scheduled pruning find dead sessions.
 */
export async function up(sql) {
  await sql.unsafe(`
    -- Keyed by a real organisation: an unknown org slug is refused before anything is written.
    create table sign_in_attempts (
      client_network cidr not null,
      org_id uuid not null references organisations(id) on delete cascade,
      window_ends_at timestamptz not null,
      attempts integer not null check (attempts > 0),
      primary key (client_network, org_id, window_ends_at)
    );
    create index sign_in_attempts_window on sign_in_attempts(window_ends_at);

    -- A session is dead from its absolute expiry or its revocation, whichever came first.
    create index sessions_dead_since on sessions((least(expires_at, revoked_at)));
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    drop index sessions_dead_since;
    drop table sign_in_attempts;
  `);
}
