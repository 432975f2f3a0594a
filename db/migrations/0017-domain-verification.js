/**
 * Domains become claims with a status: `pending` while the organisation's TXT record is looked for,
 * `verified` (by `dns` or by the `operator`), or `failed` after the deadline. Every domain that
 * existed is operator-verified, as it was. Several organisations may claim a domain, but only one
 * may have it verified (the partial unique index): a claim cannot block the real owner, and a
 * second owner cannot arise. The view `verified_domains` keeps the old table's name and meaning
 * for every reader (JIT, the sign-in entry); inserting into it is an operator's assertion.
 */
export async function up(sql) {
  await sql.unsafe(`
    alter table verified_domains rename to org_domains;
    alter index verified_domains_org rename to org_domains_org;
    alter table org_domains drop constraint verified_domains_pkey;
    alter table org_domains
      add column status text not null default 'verified' check (status in ('pending', 'verified', 'failed')),
      add column verified_by text default 'operator' check (verified_by in ('dns', 'operator')),
      -- Only DNS verification has a token; 32 lower-case hex digits (128 bits).
      add column token text check (token ~ '^[0-9a-f]{32}$'),
      add column verified_at timestamptz,
      add column checked_at timestamptz,
      add column check_outcome text check (check_outcome in ('found', 'no_record', 'other_values', 'dns_error')),
      -- Since when a verified domain's record has been missing at the daily re-check (warned once per absence).
      add column record_missing_since timestamptz;
    update org_domains set verified_at = created_at;
    alter table org_domains alter column status drop default, alter column verified_by drop default;
    alter table org_domains
      add primary key (org_id, domain),
      add check ((status = 'verified') = (verified_by is not null and verified_at is not null)),
      add check (token is not null or verified_by is not distinct from 'operator');
    -- One owner: a domain is verified for at most one organisation.
    create unique index org_domains_one_owner on org_domains(domain) where status = 'verified';

    create view verified_domains as
      select domain, org_id, created_at, status, verified_by, verified_at from org_domains where status = 'verified';
    alter view verified_domains alter column status set default 'verified';
    alter view verified_domains alter column verified_by set default 'operator';
    alter view verified_domains alter column verified_at set default now();
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    drop view verified_domains;
    delete from org_domains where status <> 'verified';
    drop index org_domains_one_owner;
    alter table org_domains drop constraint org_domains_pkey;
    alter table org_domains drop column status, drop column verified_by, drop column token, drop column verified_at,
      drop column checked_at, drop column check_outcome, drop column record_missing_since;
    alter table org_domains add primary key (domain);
    alter index org_domains_org rename to verified_domains_org;
    alter table org_domains rename to verified_domains;
  `);
}
