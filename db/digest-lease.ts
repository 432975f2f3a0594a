import type { Queryable } from './client.ts';

/**
 * Longer than one email takes at worst (the mailer's connection, greeting and socket timeouts,
 * plus its email-log statements under their statement timeout), since the lease is renewed before
 * each email; short enough that a digest whose sender died is retried within minutes.
 */
const LEASE_SECONDS = 120;

/**
 * Takes or renews the lease on sending a digest for `sender` (one attempt), on the database's
 * clock: free, already this sender's, or expired. False when another attempt holds it. One short
 * statement: no connection is held while the digest's emails go out.
 */
export async function holdDigestLease(sql: Queryable, digestKey: string, sender: string): Promise<boolean> {
  const held = await sql`
    update site_access_digests set sender = ${sender}, sending_until = now() + ${`${LEASE_SECONDS} seconds`}::interval
    where digest_key = ${digestKey} and (sender is null or sender = ${sender} or sending_until < now())`;
  return held.count > 0;
}

/** Gives the lease up, if this sender still holds it. */
export async function releaseDigestLease(sql: Queryable, digestKey: string, sender: string): Promise<void> {
  await sql`update site_access_digests set sender = null, sending_until = null where digest_key = ${digestKey} and sender = ${sender}`;
}
