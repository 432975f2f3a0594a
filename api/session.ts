import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { cookieOptions, resolveSession, revokeSession, sessionCookieName, type SessionMember } from '../auth/sessions.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { ClientError } from './errors.ts';

/** Puts the signed-in member (or undefined) on the context; every request re-checks the database. */
export function loadSession({ sql, config }: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = getCookie(c, sessionCookieName(config));
    c.set('member', id ? await resolveSession(sql, config, id) : undefined);
    await next();
  };
}

const notSignedIn = () => new ClientError(401, 'not_signed_in', 'Sign in first: GET /login?email=you@your-company.com');

export const requireMember: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('member')) throw notSignedIn();
  await next();
};

/** The one org-admin rule, for the API and the pages: an org admin acts only inside their own organisation. */
export function checkOrgAdmin(member: SessionMember, orgSlug: string | undefined) {
  if (member.orgSlug !== orgSlug || member.orgRole !== 'org_admin') {
    throw new ClientError(403, 'forbidden', `Only an org admin of "${orgSlug}" may do this.`);
  }
}

/** Org-admin routes act only inside the admin's own organisation (`:org` in the path). */
export const requireOrgAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const member = c.get('member');
  if (!member) throw notSignedIn();
  checkOrgAdmin(member, c.req.param('org'));
  await next();
};

/** Signs this browser out: its session is revoked and its cookie removed. */
export async function endSession(c: Context, { sql, config }: Pick<AppDeps, 'sql' | 'config'>) {
  const id = getCookie(c, sessionCookieName(config));
  if (id) await revokeSession(sql, id);
  deleteCookie(c, sessionCookieName(config), cookieOptions(config));
}
