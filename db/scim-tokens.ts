import { randomToken, sha256 } from '../auth/tokens.ts';
import { insertAuditEvent } from './audit.ts';
import { isUniqueViolation, type Queryable, type Sql } from './client.ts';

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

/** A token's label (`scim_tokens.name`) is at most this long. */
export const MAX_SCIM_TOKEN_NAME = 100;

export interface ScimTokenIssuer {
  orgId: string;
  /** Who acts, as the audit log writes it: `operator`, `member:{id}`, `setup:{email}`. */
  actor: string;
  name?: string;
}

/**
 * Rotations and revocations of one org take turns on its row: at once, each would miss the token
 * the other is inserting (so a rotation failed on scim_tokens_one_live, and a revocation said there
 * was no token while one went live); in turn, the later one acts on the earlier one's result.
 */
async function takeTurn(sql: Queryable, orgId: string): Promise<string | undefined> {
  await sql`select 1 from organisations where id = ${orgId} for no key update`;
  const [live]: [{ id: string }?] = await sql`select id from scim_tokens where org_id = ${orgId} and revoked_at is null`;
  return live?.id;
}

/** Revokes the org's live token, if any (after takeTurn); returns its id. */
async function revokeLive(sql: Queryable, orgId: string): Promise<string | undefined> {
  const [revoked]: [{ id: string }?] = await sql`
    update scim_tokens set revoked_at = now() where org_id = ${orgId} and revoked_at is null returning id`;
  return revoked?.id;
}

export interface IssuedToken {
  id: string;
  /** In clear this once; only its hash is stored. */
  token: string;
}

async function insertToken(sql: Queryable, { orgId, actor, name = '' }: ScimTokenIssuer, type: string, data: Record<string, unknown>): Promise<IssuedToken> {
  const token = newScimToken();
  const [row]: [{ id: string }] = await sql`
    insert into scim_tokens (org_id, token_hash, name) values (${orgId}, ${sha256(token)}, ${name}) returning id`;
  await insertAuditEvent(sql, { orgId, memberId: null, actor, type, data: { tokenId: row.id, ...(name ? { name } : {}), ...data } });
  return { id: row.id, token };
}

/** The org's one SCIM token, or undefined while it has a live one (scim_tokens_one_live; rotate replaces it). */
export async function issueScimToken(sql: Sql, issuer: ScimTokenIssuer) {
  try {
    return await insertToken(sql, issuer, 'scim_token.created', {});
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
}

/**
 * A new token in place of the live one, in one transaction: the old one stops working at once.
 * `replaces` is the live token the caller saw: when the live token is another one, or none (the
 * form was sent twice, or someone rotated or revoked it meanwhile), nothing changes and the answer
 * is undefined, so a reload or a double click never revokes the token it has just shown.
 */
export function replaceScimToken(sql: Sql, issuer: ScimTokenIssuer): Promise<IssuedToken>;
export function replaceScimToken(sql: Sql, issuer: ScimTokenIssuer, replaces: string): Promise<IssuedToken | undefined>;
export function replaceScimToken(sql: Sql, issuer: ScimTokenIssuer, replaces?: string): Promise<IssuedToken | undefined> {
  return sql.begin(async (tx) => {
    const live = await takeTurn(tx, issuer.orgId);
    if (replaces !== undefined && live !== replaces) return undefined;
    const replaced = await revokeLive(tx, issuer.orgId);
    return insertToken(tx, issuer, 'scim_token.rotated', { replaced: replaced ?? null });
  });
}

/**
 * Revokes the live token; returns its id, or undefined when there was none. `revokes` is the live
 * token the caller saw: when the live token is another one (a colleague rotated it meanwhile, and
 * may be pasting the new one into the directory), nothing is revoked and the answer is undefined.
 */
export async function withdrawScimToken(sql: Sql, { orgId, actor }: ScimTokenIssuer, revokes?: string): Promise<string | undefined> {
  return sql.begin(async (tx) => {
    const live = await takeTurn(tx, orgId);
    if (revokes !== undefined && live !== revokes) return undefined;
    const revoked = await revokeLive(tx, orgId);
    if (revoked) await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'scim_token.revoked', data: { tokenId: revoked } });
    return revoked;
  });
}
