import type { Queryable } from '../db/client.ts';

/** What a sign-in attempt is for: the organisation's live connection, or a test of its draft (setup). */
export type LoginTarget = { connectionId: string } | { draftId: string };

/**
 * The network a sign-in counts against: an IPv6 client by its /64 (one host usually holds a whole
 * /64), an IPv4 client by its address. A SQL fragment, so the count and the write share one statement.
 */
export const clientNetwork = (sql: Queryable, address: string) =>
  sql`network(set_masklen(${address}::inet, case family(${address}::inet) when 6 then 64 else 32 end))`;

/**
 * Sign-ins a client network has started at a connection (one per organisation; a draft's test
 * sign-ins count apart) and not completed, that could still be: abandoned, refused and replayed
 * attempts hold their slot until they expire; a completed sign-in frees it. `oldest` is when the
 * first of them expires.
 */
export const pendingSignIns = (sql: Queryable, network: ReturnType<typeof clientNetwork>, target: LoginTarget) => sql`
  select count(*)::int as n, min(expires_at) as oldest from login_transactions
  where ${'draftId' in target ? sql`draft_id = ${target.draftId}` : sql`connection_id = ${target.connectionId}`}
    and client_network = ${network} and signed_in_at is null and expires_at > now()`;

export type StartDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };
