import { randomToken, sha256 } from '../auth/tokens.ts';
import type { Queryable } from './client.ts';

/** Who is calling the SCIM api: the token alone decides the organisation. */
export interface ScimClient {
  tokenId: string;
  orgId: string;
  orgSlug: string;
}

/** A prefix lets secret scanners and people recognise a leaked token for what it is. */
const TOKEN_PREFIX = 'scim_';

/** 256 random bits; only their SHA-256 is stored, so the token is shown once, when it is made. */
export const newScimToken = (): string => `${TOKEN_PREFIX}${randomToken()}`;

/**
 * The organisation of a live (unrevoked) token, or undefined. `last_used_at` is written at most
 * once a minute: every SCIM request reads the token, and a directory sends them in bursts.
 */
export async function authenticateScimToken(sql: Queryable, token: string): Promise<ScimClient | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return undefined;
  const [client]: [ScimClient?] = await sql`
    select t.id as "tokenId", t.org_id as "orgId", o.slug as "orgSlug"
    from scim_tokens t join organisations o on o.id = t.org_id
    where t.token_hash = ${sha256(token)} and t.revoked_at is null`;
  if (!client) return undefined;
  await sql`
    update scim_tokens set last_used_at = now()
    where id = ${client.tokenId} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
  return client;
}
