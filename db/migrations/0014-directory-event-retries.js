/**
 * Failed deliveries of directory events by the backstop (activities/directory-sweep.ts). An event is
 * a member's `directory_links.directory_seq` above `signalled_seq`; it has a row here once a delivery
 * of that seq failed, so each event has its own attempts and backoff, and one that keeps failing is
 * parked for an operator instead of holding up the others. One row per member: a newer event of the
 * member replaces the row (its own attempts start again); a row whose seq was delivered since means
 * nothing and is cleared by the next run.
 *
 * The partial index keeps the backstop's scan to the few undelivered links, whatever the directory's size.
 */
export async function up(sql) {
  await sql.unsafe(`
    create table directory_event_failures (
      member_id uuid primary key references directory_links(member_id),
      org_id uuid not null,
      seq bigint not null check (seq > 0),
      attempts integer not null check (attempts > 0),
      first_failed_at timestamptz not null,
      last_failed_at timestamptz not null,
      next_attempt_at timestamptz not null,
      -- What Temporal answered, for the operator; bounded, never a payload.
      last_error text not null check (length(last_error) between 1 and 1000),
      -- Parked: the backstop leaves the event alone until an operator retries it.
      parked_at timestamptz,
      constraint directory_event_failures_member_in_org foreign key (org_id, member_id) references members(org_id, id),
      constraint directory_event_failures_times check (
        first_failed_at <= last_failed_at and next_attempt_at >= last_failed_at and (parked_at is null or parked_at >= first_failed_at))
    );
    create index directory_event_failures_parked on directory_event_failures(org_id) where parked_at is not null;

    create index directory_links_undelivered on directory_links(directory_changed_at) where directory_seq > signalled_seq;
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    drop index directory_links_undelivered;
    drop table directory_event_failures;
  `);
}
