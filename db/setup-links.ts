import { randomToken, sha256 } from '../auth/tokens.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';
import { addItContact } from './it-contacts.ts';

/** A setup link works once, within this many hours of being sent. */
export const SETUP_LINK_HOURS = 24;

/** A prefix tells people and secret scanners what a leaked link token is. */
const TOKEN_PREFIX = 'setup_';

export interface SetupLinkRow {
  id: string;
  email: string;
  sentBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface SentSetupLink {
  id: string;
  /** The secret in the emailed URL; only its SHA-256 is stored, so it exists only until the email is sent. */
  token: string;
  expiresAt: Date;
  /** Whether the address became an IT contact with this link. */
  addedContact: boolean;
}

/**
 * A new setup link for `email`, who becomes an IT contact of the org if not one yet (a link is
 * how an admin names the org's IT team). One transaction: the link, the contact and their audit
 * events are written together or not at all.
 */
export function createSetupLink(sql: Sql, { orgId, email, actor }: { orgId: string; email: string; actor: string }): Promise<SentSetupLink> {
  return sql.begin(async (tx) => {
    const addedContact = await addItContact(tx, { orgId, email, actor });
    const token = `${TOKEN_PREFIX}${randomToken()}`;
    const [link]: [{ id: string; expiresAt: Date }] = await tx`
      insert into setup_links (org_id, email, token_hash, sent_by, expires_at)
      values (${orgId}, ${email}, ${sha256(token)}, ${actor}, now() + ${`${SETUP_LINK_HOURS} hours`}::interval)
      returning id, expires_at as "expiresAt"`;
    await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'setup_link.sent', data: { linkId: link.id, email } });
    return { id: link.id, token, expiresAt: link.expiresAt, addedContact };
  });
}

/**
 * Revokes a link of the org: unused, it no longer opens; used, the setup session it started ends
 * (resolveSetupSession requires an unrevoked link). Undefined for an unknown id, one already revoked, or another org's link.
 */
export async function revokeSetupLink(sql: Sql, { orgId, id, actor }: { orgId: string; id: string; actor: string }): Promise<{ email: string } | undefined> {
  return sql.begin(async (tx) => {
    const [link]: [{ email: string }?] = await tx`
      update setup_links set revoked_at = now() where id = ${id} and org_id = ${orgId} and revoked_at is null returning email`;
    if (link) await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'setup_link.revoked', data: { linkId: id, email: link.email } });
    return link;
  });
}

/** Revokes every live link the org sent to `email`; returns how many. */
export async function revokeSetupLinksTo(sql: Sql, { orgId, email, actor }: { orgId: string; email: string; actor: string }): Promise<number> {
  const links = await sql<{ id: string }[]>`select id from setup_links where org_id = ${orgId} and email = ${email} and revoked_at is null`;
  for (const { id } of links) await revokeSetupLink(sql, { orgId, id, actor });
  return links.length;
}

export type SetupLinkState = 'usable' | 'used' | 'expired' | 'revoked' | 'unknown';

export interface FoundSetupLink {
  state: SetupLinkState;
  id?: string;
  orgId?: string;
  orgName?: string;
  email?: string;
}

/** What a link token stands for now; the confirm page shows it before anything is consumed. */
export async function findSetupLink(sql: Queryable, token: string): Promise<FoundSetupLink> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return { state: 'unknown' };
  const [link]: [{ id: string; orgId: string; orgName: string; email: string; usedAt: Date | null; revokedAt: Date | null; expired: boolean }?] = await sql`
    select l.id, l.org_id as "orgId", o.name as "orgName", l.email, l.used_at as "usedAt", l.revoked_at as "revokedAt", l.expires_at <= now() as expired
    from setup_links l join organisations o on o.id = l.org_id where l.token_hash = ${sha256(token)}`;
  if (!link) return { state: 'unknown' };
  const state: SetupLinkState = link.revokedAt ? 'revoked' : link.usedAt ? 'used' : link.expired ? 'expired' : 'usable';
  return { state, id: link.id, orgId: link.orgId, orgName: link.orgName, email: link.email };
}

export const orgSetupLinks = (sql: Queryable, orgId: string, limit = 20) => sql<SetupLinkRow[]>`
  select id, email, sent_by as "sentBy", created_at as "createdAt", expires_at as "expiresAt", used_at as "usedAt", revoked_at as "revokedAt"
  from setup_links where org_id = ${orgId} order by created_at desc limit ${limit}`;
