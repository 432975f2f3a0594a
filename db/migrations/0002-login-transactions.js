/**
 * One row per sign-in attempt. The browser holds only a signed cookie naming the row; the row is
 * consumed atomically at the callback, which makes state, nonce and PKCE verifier single use.
 */
export async function up(sql) {
  await sql.unsafe(`
    create table login_transactions (
      id uuid primary key default gen_random_uuid(),
      state_hash bytea not null unique check (length(state_hash) = 32),
      connection_id uuid not null references sso_connections(id) on delete cascade,
      nonce text not null,
      code_verifier text not null,
      login_hint text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      consumed_at timestamptz
    );
    create index login_transactions_expiry on login_transactions(expires_at);
  `);
}

export async function down(sql) {
  await sql.unsafe('drop table login_transactions');
}
