import { randomToken, sha256 } from '../auth/tokens.ts';
import { insertAuditEvent } from './audit.ts';
import type { Sql } from './client.ts';
import { findSetupLink, type FoundSetupLink } from './setup-links.ts';

/**
 * A setup session ends after an hour without a request or 8 hours after the link was opened,
 * whichever comes first: long enough to set up a directory with a coffee break, short enough that
 * a forgotten browser tab is not an open door. A new link starts a new one.
 */
export const SETUP_SESSION = Object.freeze({ idleMinutes: 60, absoluteHours: 8 });

/** Who holds a setup session: an IT contact, for one organisation's setup pages and nothing else. */
export interface SetupContact {
  orgId: string;
  orgSlug: string;
  orgName: string;
  email: string;
  linkId: string;
}

/** The actor of what an IT contact does in a setup session, as the audit log writes it. */
export const setupActor = (email: string) => `setup:${email}`;

/**
 * Consumes the link and starts its session, or says why not. The one conditional update is the
 * single-use check: of two requests with the same link, exactly one sets used_at.
 */
export async function openSetupSession(sql: Sql, token: string): Promise<{ sessionId: string } | FoundSetupLink> {
  const opened = await sql.begin(async (tx) => {
    const [link]: [{ id: string; orgId: string; email: string }?] = await tx`
      update setup_links set used_at = now()
      where token_hash = ${sha256(token)} and used_at is null and revoked_at is null and expires_at > now()
      returning id, org_id as "orgId", email`;
    if (!link) return undefined;
    const sessionId = randomToken();
    await tx`
      insert into setup_sessions (id_hash, setup_link_id, org_id, email, expires_at)
      values (${sha256(sessionId)}, ${link.id}, ${link.orgId}, ${link.email}, now() + ${`${SETUP_SESSION.absoluteHours} hours`}::interval)`;
    await insertAuditEvent(tx, { orgId: link.orgId, memberId: null, actor: setupActor(link.email), type: 'setup_link.opened', data: { linkId: link.id, email: link.email } });
    return { sessionId };
  });
  return opened ?? findSetupLink(sql, token);
}

const TOUCH_INTERVAL = '1 minute';

/**
 * The IT contact behind a live setup session: within idle and absolute expiry, its link not
 * revoked, and the address still an IT contact of the org (removing a contact ends their sessions).
 */
export async function resolveSetupSession(sql: Sql, id: string): Promise<SetupContact | undefined> {
  const idHash = sha256(id);
  const [row]: [(SetupContact & { stale: boolean })?] = await sql`
    select s.org_id as "orgId", o.slug as "orgSlug", o.name as "orgName", s.email::text as email, s.setup_link_id as "linkId",
      s.last_seen_at < now() - ${TOUCH_INTERVAL}::interval as stale
    from setup_sessions s
      join setup_links l on l.id = s.setup_link_id
      join organisations o on o.id = s.org_id
    where s.id_hash = ${idHash} and s.expires_at > now()
      and s.last_seen_at > now() - ${`${SETUP_SESSION.idleMinutes} minutes`}::interval
      and l.revoked_at is null
      and exists (select 1 from it_contacts c where c.org_id = s.org_id and c.email = s.email)`;
  if (!row) return undefined;
  const { stale, ...contact } = row;
  if (stale) await sql`update setup_sessions set last_seen_at = now() where id_hash = ${idHash}`;
  return contact;
}

export async function endSetupSession(sql: Sql, id: string): Promise<void> {
  await sql`delete from setup_sessions where id_hash = ${sha256(id)}`;
}
