import type { Sql } from '../db/client.ts';

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts one sign-in start of a client network for an organisation, in one upsert. Fixed windows
 * on the database clock, so every api replica counts into the same row. An IPv6 client counts
 * by its /64 (one host usually holds a whole /64), an IPv4 client by its address.
 */
export async function countSignInStart(sql: Sql, address: string, orgId: string, { limit, windowSeconds }: RateLimit): Promise<RateDecision> {
  const [row]: [{ attempts: number; retryAfterSeconds: number }?] = await sql`
    insert into sign_in_attempts as a (client_network, org_id, window_ends_at, attempts)
    values (
      network(set_masklen(${address}::inet, case family(${address}::inet) when 6 then 64 else 32 end)),
      ${orgId},
      to_timestamp((floor(extract(epoch from now()) / ${windowSeconds}::int) + 1) * ${windowSeconds}::int),
      1)
    on conflict (client_network, org_id, window_ends_at) do update set attempts = a.attempts + 1
    returning a.attempts, greatest(1, ceil(extract(epoch from a.window_ends_at - now())))::int as "retryAfterSeconds"`;
  if (!row) throw new Error('sign-in rate-limit upsert returned no row');
  return row.attempts <= limit ? { allowed: true } : { allowed: false, retryAfterSeconds: row.retryAfterSeconds };
}
