/**
 * Sign-ins are limited by how many a client network has pending at an organisation, not by how
 * many it starts: an office behind one NAT address signs in all at once, while a flood of
 * abandoned starts fills its own quota and nothing more. A start records its client network; a
 * completed sign-in marks its attempt signed in, which frees the slot; an attempt never completed
 * (abandoned, refused, replayed) holds it until it expires. The per-window start counters go.
 */
export async function up(sql) {
  await sql.unsafe(`
    alter table login_transactions add column client_network cidr;
    alter table login_transactions add column signed_in_at timestamptz;
    create index login_transactions_pending on login_transactions(connection_id, client_network, expires_at)
      where signed_in_at is null;
    drop table sign_in_attempts;
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    create table sign_in_attempts (
      client_network cidr not null,
      org_id uuid not null references organisations(id) on delete cascade,
      window_ends_at timestamptz not null,
      attempts integer not null check (attempts > 0),
      primary key (client_network, org_id, window_ends_at)
    );
    create index sign_in_attempts_window on sign_in_attempts(window_ends_at);
    drop index login_transactions_pending;
    alter table login_transactions drop column signed_in_at;
    alter table login_transactions drop column client_network;
  `);
}
