import type { Sql } from '../db/client.ts';
import { clientNetwork, pendingSignIns, type LoginTarget, type StartDecision } from './sign-in-rate-limit.ts';
import { sha256 } from './tokens.ts';

/** Expired attempts are deleted by the scheduled prune (workflows/prune-expired-records.ts). */
export const LOGIN_TTL_MINUTES = 10;

export type LoginTransaction = LoginTarget & {
  nonce: string;
  codeVerifier: string;
};

/**
 * Stores the attempt unless its client network already has `pendingLimit` sign-ins pending at this
 * target (see pendingSignIns); then nothing is written and the answer says when a slot frees.
 * Count and insert are one statement; concurrent starts may pass the limit by as many as run at once.
 */
export async function saveLoginTransaction(
  sql: Sql,
  state: string,
  tx: LoginTransaction & { loginHint?: string; address: string; pendingLimit: number },
): Promise<StartDecision> {
  const network = clientNetwork(sql, tx.address);
  const connectionId = 'connectionId' in tx ? tx.connectionId : null;
  const draftId = 'draftId' in tx ? tx.draftId : null;
  const [row]: [{ saved: boolean; retryAfterSeconds: number }?] = await sql`
    with pending as (${pendingSignIns(sql, network, tx)}),
    saved as (
      insert into login_transactions (state_hash, connection_id, draft_id, client_network, nonce, code_verifier, login_hint, expires_at)
      select ${sha256(state)}, ${connectionId}, ${draftId}, ${network}, ${tx.nonce}, ${tx.codeVerifier}, ${tx.loginHint ?? null},
             now() + ${`${LOGIN_TTL_MINUTES} minutes`}::interval
      from pending where pending.n < ${tx.pendingLimit}
      returning 1)
    select exists (select 1 from saved) as saved,
           greatest(1, ceil(extract(epoch from pending.oldest - now())))::int as "retryAfterSeconds"
    from pending`;
  if (!row) throw new Error('saving a login attempt returned no row');
  return row.saved ? { allowed: true } : { allowed: false, retryAfterSeconds: row.retryAfterSeconds };
}

/**
 * Marks the attempt used and returns it, at most once: a replayed or expired state gets nothing.
 * Whether it is a test of a draft comes from this stored row alone, never from the request.
 */
export async function consumeLoginTransaction(sql: Sql, state: string): Promise<LoginTransaction | undefined> {
  const [row]: [{ connection_id: string | null; draft_id: string | null; nonce: string; code_verifier: string }?] = await sql`
    update login_transactions set consumed_at = now()
    where state_hash = ${sha256(state)} and consumed_at is null and expires_at > now()
    returning connection_id, draft_id, nonce, code_verifier`;
  if (!row) return undefined;
  const secrets = { nonce: row.nonce, codeVerifier: row.code_verifier };
  if (row.draft_id) return { draftId: row.draft_id, ...secrets };
  if (row.connection_id) return { connectionId: row.connection_id, ...secrets };
  throw new Error('a login transaction without a target (login_transactions_one_target forbids it)');
}

/** A completed sign-in frees its network's pending slot. */
export async function markSignedIn(sql: Sql, state: string): Promise<void> {
  await sql`update login_transactions set signed_in_at = now() where state_hash = ${sha256(state)}`;
}

/** An attempt that never reached the IdP (its discovery failed) holds no slot. */
export async function forgetLoginTransaction(sql: Sql, state: string): Promise<void> {
  await sql`delete from login_transactions where state_hash = ${sha256(state)}`;
}
