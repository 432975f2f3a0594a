import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { sessionCookieName } from '../../auth/sessions.ts';
import type { Config } from '../../config/index.ts';
import { safeReturnPath } from '../../domain/return-path.ts';
import type { AppEnv } from '../context.ts';
import { formTokenOf } from './form-token.ts';
import { page, type Chrome, type Link } from './layout.ts';
import { signInLink } from './sign-in.ts';

/** The list page of each admin section, for an error deeper inside it. */
const sections: [prefix: string, link: Link][] = [
  ['/admin/members', { href: '/admin/members', label: 'Back to the members' }],
  ['/admin/invitations', { href: '/admin/invitations', label: 'Back to the invitations' }],
];
const home: Link = { href: '/', label: 'Go to your home page' };

/**
 * Where the admin was: the Referer when it is a page of this origin other than the one that failed
 * (a refused form's page), else the list page of the section the request was in, else home.
 */
export function backLink(c: Context, origin: string): Link {
  const referer = c.req.header('referer');
  if (referer) {
    const url = URL.parse(referer);
    const path = url && url.origin === origin ? safeReturnPath(`${url.pathname}${url.search}`) : undefined;
    const sameRequest = c.req.method === 'GET' && url?.pathname === c.req.path;
    if (path && !sameRequest) return { href: path, label: 'Back to the page you were on' };
  }
  return sections.find(([prefix]) => c.req.path === prefix || c.req.path.startsWith(`${prefix}/`))?.[1] ?? home;
}

/** The header a signed-in member sees on every page; without a session there is none to show. */
function chromeIfSignedIn(c: Context<AppEnv>, config: Config): Chrome | undefined {
  const member = c.get('member');
  const sessionId = getCookie(c, sessionCookieName(config));
  return member && sessionId ? { member, formToken: formTokenOf(config, sessionId) } : undefined;
}

/** A refusal with its own way on (the sign-in flow's): the header of a signed-in member, the request id last. */
export function refusalPage(c: Context<AppEnv>, config: Config, status: ContentfulStatusCode, title: string, message: string, action?: Link) {
  return page(c, status, title, message, action, { chrome: chromeIfSignedIn(c, config), requestId: c.get('requestId') });
}

/** The page for a refused or failed browser request: the layout as usual, a way back, the request id last. */
export function errorPage(c: Context<AppEnv>, config: Config, status: ContentfulStatusCode, title: string, message: string) {
  const signedOut = !c.get('member');
  return refusalPage(c, config, status, title, message, status === 401 && signedOut ? signInLink(c) : backLink(c, config.publicUrl.origin));
}
