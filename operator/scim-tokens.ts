import type { Sql } from '../db/client.ts';
import { issueScimToken, replaceScimToken, withdrawScimToken } from '../db/scim-tokens.ts';
import { OperatorError } from './errors.ts';
import { findOrg } from './operations.ts';

export interface ScimTokenRow {
  org: string;
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The org's one SCIM token; refused while it has a live one (rotate replaces it). */
export async function createScimToken(sql: Sql, { org: slug }: { org: string }) {
  const org = await findOrg(sql, slug);
  const made = await issueScimToken(sql, { orgId: org.id, actor: 'operator' });
  if (!made) throw new OperatorError(`"${slug}" already has a SCIM token; replace it with: scim-token rotate ${slug}`);
  return made;
}

export async function rotateScimToken(sql: Sql, { org: slug }: { org: string }) {
  const org = await findOrg(sql, slug);
  return replaceScimToken(sql, { orgId: org.id, actor: 'operator' });
}

export async function revokeScimToken(sql: Sql, { org: slug }: { org: string }) {
  const org = await findOrg(sql, slug);
  const revoked = await withdrawScimToken(sql, { orgId: org.id, actor: 'operator' });
  if (!revoked) throw new OperatorError(`"${slug}" has no live SCIM token`);
  return revoked;
}

/** Every token (live and revoked), newest first; never the secret, which is not stored. */
export async function listScimTokens(sql: Sql, { org: slug }: { org?: string }) {
  const org = slug ? await findOrg(sql, slug) : undefined;
  return sql<ScimTokenRow[]>`
    select o.slug as org, t.id, t.name, t.created_at as "createdAt", t.last_used_at as "lastUsedAt", t.revoked_at as "revokedAt"
    from scim_tokens t join organisations o on o.id = t.org_id
    where ${org ? sql`t.org_id = ${org.id}` : sql`true`}
    order by o.slug, t.created_at desc`;
}
