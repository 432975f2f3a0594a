import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import type { MemberStatus, OrgRole } from '../domain/member.ts';
import { randomToken, sha256 } from './tokens.ts';

export interface SessionMember {
  memberId: string;
  orgId: string;
  orgSlug: string;
  orgRole: OrgRole;
  email: string;
  name: string;
  status: MemberStatus;
}

/** Attributes of every cookie we set (session and login attempts): Secure whenever PUBLIC_URL is https. */
export const cookieOptions = (config: Config) =>
  ({ httpOnly: true, sameSite: 'Lax', secure: config.publicUrl.protocol === 'https:', path: '/' }) as const;

/** `__Host-` binds a cookie to this exact origin (Secure, Path=/, no Domain); only possible over https. */
export const cookieName = (config: Config, name: string) => (cookieOptions(config).secure ? `__Host-${name}` : name);

export const sessionCookieName = (config: Config) => cookieName(config, 'session');

/** A fresh 256-bit id at every sign-in; only its SHA-256 is stored. */
export async function createSession(sql: Sql, config: Config, memberId: string): Promise<string> {
  const id = randomToken();
  await sql`
    insert into sessions (id_hash, member_id, expires_at)
    values (${sha256(id)}, ${memberId}, now() + ${`${config.session.absoluteHours} hours`}::interval)`;
  return id;
}

/** A session's last_seen_at is written at most this often; most requests only read. */
const TOUCH_INTERVAL = '1 minute';

/**
 * The member behind a live session: not revoked, within absolute and idle expiry, and the
 * member still active, so a disabled member's sessions stop working at once. Idle time counts
 * from last_seen_at, which trails the latest request by less than TOUCH_INTERVAL: a session may
 * end that much before its idle limit, never after it.
 */
export async function resolveSession(sql: Sql, config: Config, id: string): Promise<SessionMember | undefined> {
  const idHash = sha256(id);
  const [row]: [(SessionMember & { stale: boolean })?] = await sql`
    select m.id as "memberId", m.org_id as "orgId", o.slug as "orgSlug", m.org_role as "orgRole", m.email, m.name, m.status,
      s.last_seen_at < now() - ${TOUCH_INTERVAL}::interval as stale
    from sessions s join members m on m.id = s.member_id join organisations o on o.id = m.org_id
    where s.id_hash = ${idHash}
      and s.revoked_at is null and s.expires_at > now()
      and s.last_seen_at > now() - ${`${config.session.idleMinutes} minutes`}::interval
      and m.status = 'active'`;
  if (!row) return undefined;
  const { stale, ...member } = row;
  if (stale) {
    await sql`update sessions set last_seen_at = now()
              where id_hash = ${idHash} and last_seen_at < now() - ${TOUCH_INTERVAL}::interval`;
  }
  return member;
}

export async function revokeSession(sql: Sql, id: string): Promise<void> {
  await sql`update sessions set revoked_at = now() where id_hash = ${sha256(id)} and revoked_at is null`;
}

/** Whether the session (live or revoked) is of a member who is disabled now: their browser is told why it was signed out. */
export async function isSessionOfDisabledMember(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`
    select 1 from sessions s join members m on m.id = s.member_id where s.id_hash = ${sha256(id)} and m.status = 'disabled'`;
  return rows.length > 0;
}
