import type { Queryable } from './client.ts';

/**
 * Longer than one email takes at worst (the mailer's connection, greeting and socket timeouts,
 * plus its email-log statements under their statement timeout), since the lease is renewed before
 * each email; short enough that a digest whose sender died is retried within minutes.
 */
const LEASE_SECONDS = 120;

export type LeaseAnswer = { held: true } | { held: false; expiresInMs: number };

/**
 * Takes or renews the lease on sending a digest for `sender` (one attempt), on the database's
 * clock: free, already this sender's, or expired. When another attempt holds it, says how long
 * that lease still runs, so the caller can come back once it expired instead of backing off
 * further. One short statement: no connection is held while the digest's emails go out.
 */
export async function holdDigestLease(sql: Queryable, digestKey: string, sender: string): Promise<LeaseAnswer> {
  const [answer]: [{ held: boolean; expiresInMs: number | null }] = await sql`
    with taken as (
      update site_access_digests set sender = ${sender}, sending_until = now() + ${`${LEASE_SECONDS} seconds`}::interval
      where digest_key = ${digestKey} and (sender is null or sender = ${sender} or sending_until < now())
      returning 1)
    select exists (select 1 from taken) as held,
      (select greatest(0, ceil(extract(epoch from sending_until - now()) * 1000))::int
       from site_access_digests where digest_key = ${digestKey}) as "expiresInMs"`;
  return answer.held ? { held: true } : { held: false, expiresInMs: answer.expiresInMs ?? 0 };
}

/** Gives the lease up, if this sender still holds it. */
export async function releaseDigestLease(sql: Queryable, digestKey: string, sender: string): Promise<void> {
  await sql`update site_access_digests set sender = null, sending_until = null where digest_key = ${digestKey} and sender = ${sender}`;
}
