import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { isSessionOfDisabledMember, sessionCookieName } from '../../auth/sessions.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { checkOrgAdmin } from '../session.ts';
import { page } from './layout.ts';
import { signInLink } from './sign-in.ts';

/**
 * Pages need a signed-in member (loadSession ran). Without one the browser gets a page, not JSON:
 * a member disabled since their last request is told so and what to do, anyone else is sent to sign in.
 */
export function requirePageMember({ sql, config }: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('member')) return next();
    const sessionId = getCookie(c, sessionCookieName(config));
    if (sessionId && (await isSessionOfDisabledMember(sql, sessionId))) {
      return page(
        c,
        403,
        'Your account is disabled',
        'Your account was disabled, so you were signed out. Your sites and history are kept. If you think this is a mistake, ask one of your organisation\'s admins or your IT team to enable it again.',
        { href: '/login', label: 'Sign in with another account' },
      );
    }
    return page(c, 401, 'Please sign in', 'You are not signed in, or your session ended. Sign in with your work email to continue.', signInLink(c));
  };
}

/** Admin pages: the same org-admin rule as the API, applied to the admin's own organisation. */
export const requirePageAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const member = c.get('member')!;
  checkOrgAdmin(member, member.orgSlug);
  await next();
};
