import type { Queryable } from '../db/client.ts';

/**
 * The network a sign-in counts against: an IPv6 client by its /64 (one host usually holds a whole
 * /64), an IPv4 client by its address. A SQL fragment, so the count and the write share one statement.
 */
export const clientNetwork = (sql: Queryable, address: string) =>
  sql`network(set_masklen(${address}::inet, case family(${address}::inet) when 6 then 64 else 32 end))`;

/**
 * Sign-ins a client network has started at a connection (one per organisation) and not completed,
 * that could still be: abandoned, refused and replayed attempts hold their slot until they expire;
 * a completed sign-in frees it. `oldest` is when the first of them expires.
 */
export const pendingSignIns = (sql: Queryable, network: ReturnType<typeof clientNetwork>, connectionId: string) => sql`
  select count(*)::int as n, min(expires_at) as oldest from login_transactions
  where connection_id = ${connectionId} and client_network = ${network} and signed_in_at is null and expires_at > now()`;

export type StartDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };
