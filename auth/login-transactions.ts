import type { Sql } from '../db/client.ts';
import { sha256 } from './tokens.ts';

/** Expired attempts are deleted by the scheduled prune (workflows/prune-expired-records.ts). */
export const LOGIN_TTL_MINUTES = 10;

export interface LoginTransaction {
  connectionId: string;
  nonce: string;
  codeVerifier: string;
}

export async function saveLoginTransaction(sql: Sql, state: string, tx: LoginTransaction & { loginHint?: string }) {
  await sql`
    insert into login_transactions (state_hash, connection_id, nonce, code_verifier, login_hint, expires_at)
    values (${sha256(state)}, ${tx.connectionId}, ${tx.nonce}, ${tx.codeVerifier}, ${tx.loginHint ?? null},
            now() + ${`${LOGIN_TTL_MINUTES} minutes`}::interval)`;
}

/** Marks the attempt used and returns it, at most once: a replayed or expired state gets nothing. */
export async function consumeLoginTransaction(sql: Sql, state: string): Promise<LoginTransaction | undefined> {
  const [row]: [{ connection_id: string; nonce: string; code_verifier: string }?] = await sql`
    update login_transactions set consumed_at = now()
    where state_hash = ${sha256(state)} and consumed_at is null and expires_at > now()
    returning connection_id, nonce, code_verifier`;
  return row && { connectionId: row.connection_id, nonce: row.nonce, codeVerifier: row.code_verifier };
}
