import { insertAuditEvent } from '../db/audit.ts';
import { isUniqueViolation, type Queryable, type Sql } from '../db/client.ts';
import { newScimToken } from '../db/scim-tokens.ts';
import { sha256 } from '../auth/tokens.ts';
import { OperatorError } from './errors.ts';
import { findOrg } from './operations.ts';

export interface ScimTokenRow {
  org: string;
  id: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Revokes the org's live token, if any; returns its id. */
async function revokeLive(sql: Queryable, orgId: string): Promise<string | undefined> {
  const [revoked]: [{ id: string }?] = await sql`
    update scim_tokens set revoked_at = now() where org_id = ${orgId} and revoked_at is null returning id`;
  return revoked?.id;
}

async function insertToken(sql: Queryable, orgId: string, type: string, data: Record<string, unknown>) {
  const token = newScimToken();
  const [row]: [{ id: string }] = await sql`insert into scim_tokens (org_id, token_hash) values (${orgId}, ${sha256(token)}) returning id`;
  await insertAuditEvent(sql, { orgId, memberId: null, actor: 'operator', type, data: { tokenId: row.id, ...data } });
  return { id: row.id, token };
}

/** The org's one SCIM token; refused while it has a live one (rotate replaces it). */
export async function createScimToken(sql: Sql, { org: slug }: { org: string }) {
  const org = await findOrg(sql, slug);
  try {
    return await insertToken(sql, org.id, 'scim_token.created', {});
  } catch (err) {
    if (isUniqueViolation(err)) throw new OperatorError(`"${slug}" already has a SCIM token; replace it with: scim-token rotate ${slug}`);
    throw err;
  }
}

/** A new token in place of the live one, in one transaction: the old one stops working at once. */
export async function rotateScimToken(sql: Sql, { org: slug }: { org: string }) {
  const org = await findOrg(sql, slug);
  return sql.begin(async (tx) => {
    const replaced = await revokeLive(tx, org.id);
    return insertToken(tx, org.id, 'scim_token.rotated', { replaced: replaced ?? null });
  });
}

export async function revokeScimToken(sql: Sql, { org: slug }: { org: string }) {
  const org = await findOrg(sql, slug);
  const revoked = await revokeLive(sql, org.id);
  if (!revoked) throw new OperatorError(`"${slug}" has no live SCIM token`);
  await insertAuditEvent(sql, { orgId: org.id, memberId: null, actor: 'operator', type: 'scim_token.revoked', data: { tokenId: revoked } });
  return revoked;
}

/** Every token (live and revoked), newest first; never the secret, which is not stored. */
export async function listScimTokens(sql: Sql, { org: slug }: { org?: string }) {
  const org = slug ? await findOrg(sql, slug) : undefined;
  return sql<ScimTokenRow[]>`
    select o.slug as org, t.id, t.created_at as "createdAt", t.last_used_at as "lastUsedAt", t.revoked_at as "revokedAt"
    from scim_tokens t join organisations o on o.id = t.org_id
    where ${org ? sql`t.org_id = ${org.id}` : sql`true`}
    order by o.slug, t.created_at desc`;
}
