import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { resolveSession, sessionCookieName } from '../auth/sessions.ts';
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

/** Org-admin routes act only inside the admin's own organisation (`:org` in the path). */
export const requireOrgAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const member = c.get('member');
  if (!member) throw notSignedIn();
  if (member.orgSlug !== c.req.param('org') || member.orgRole !== 'org_admin') {
    throw new ClientError(403, 'forbidden', `Only an org admin of "${c.req.param('org')}" may do this.`);
  }
  await next();
};
