/**
 * Self-serve OIDC setup: an IT contact saves a draft connection, proves it with a test sign-in, and
 * only then makes it the live one. One draft per organisation; a new save replaces the row (a new
 * id), so a test result always belongs to exactly the settings it tested, and a test started for
 * replaced settings loses its login transaction with them (on delete cascade).
 */
export async function up(sql) {
  await sql.unsafe(`
    create table sso_connection_drafts (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null unique references organisations(id) on delete cascade,
      issuer text not null check (issuer ~ '^https?://' and char_length(issuer) <= 2048),
      client_id text not null check (char_length(client_id) between 1 and 255),
      client_secret_encrypted text not null,
      saved_by text not null,
      saved_at timestamptz not null default now(),
      -- The latest test sign-in decides: claims when it succeeded, the reason when it failed.
      tested_at timestamptz,
      tested_by text,
      test_outcome text check (test_outcome in ('succeeded', 'failed')),
      test_claims jsonb,
      test_failure text check (char_length(test_failure) <= 500),
      check ((test_outcome is null) = (tested_at is null)),
      check ((tested_at is null) = (tested_by is null)),
      check ((test_outcome = 'succeeded') = (test_claims is not null)),
      check ((test_outcome = 'failed') = (test_failure is not null))
    );

    -- A sign-in attempt is either a real one (the live connection) or a test of a draft, never both.
    alter table login_transactions
      alter column connection_id drop not null,
      add column draft_id uuid references sso_connection_drafts(id) on delete cascade,
      add constraint login_transactions_one_target check (num_nonnulls(connection_id, draft_id) = 1);
    create index login_transactions_draft on login_transactions(draft_id) where draft_id is not null;
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    delete from login_transactions where draft_id is not null;
    drop index login_transactions_draft;
    alter table login_transactions drop constraint login_transactions_one_target, drop column draft_id;
    alter table login_transactions alter column connection_id set not null;
    drop table sso_connection_drafts;
  `);
}
