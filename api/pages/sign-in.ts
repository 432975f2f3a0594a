import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { safeReturnPath } from '../../domain/return-path.ts';
import { emailDomain } from '../../domain/sign-in.ts';
import { layout, type Link } from './layout.ts';

/** What a sign-in page carries on: the page to return to afterwards (already checked safe), an error to show. */
export interface SignInFormOptions {
  next?: string | undefined;
  error?: string | undefined;
}

/** The start of an organisation's sign-in, with the hint for its IdP and the page to return to. */
export function signInStartUrl(orgSlug: string, loginHint?: string, next?: string): string {
  const query = [loginHint && `login_hint=${encodeURIComponent(loginHint)}`, next && `next=${encodeURIComponent(next)}`].filter(Boolean);
  return `/auth/${encodeURIComponent(orgSlug)}/login${query.length ? `?${query.join('&')}` : ''}`;
}

/** The email-first page, for a link that says where to return after sign-in. */
export const loginUrl = (next?: string) => (next ? `/login?next=${encodeURIComponent(next)}` : '/login');

/** To sign in and come back to the page asked for: a page one reads (GET), not the home page, where sign-in lands anyway. */
export function signInLink(c: Context): Link {
  const { pathname, search } = new URL(c.req.url);
  const back = c.req.method === 'GET' && pathname !== '/' ? safeReturnPath(`${pathname}${search}`) : undefined;
  return { href: loginUrl(back), label: 'Sign in' };
}

const nextField = (next: string | undefined) => (next ? html`<input type="hidden" name="next" value="${next}" />` : '');

export function emailForm(c: Context, status: ContentfulStatusCode, { next, error }: SignInFormOptions = {}) {
  return layout(
    c,
    status,
    'Sign in',
    html`<h1>Sign in</h1>
      ${error ? html`<p role="alert">${error}</p>` : ''}
      <form method="get" action="/login">
        ${nextField(next)}
        <label>Work email <input type="email" name="email" required autofocus autocomplete="email" /></label>
        <button type="submit">Continue</button>
      </form>`,
  );
}

/**
 * For an address whose domain has no SSO here: a person invited by an organisation names it.
 * The page is the same for every such address, invited or not, so it reveals no invitation.
 */
export function organisationForm(c: Context, status: ContentfulStatusCode, email: string, { next, error }: SignInFormOptions = {}) {
  const domain = emailDomain(email);
  return layout(
    c,
    status,
    'No single sign-on here',
    html`<h1>No single sign-on for ${domain}</h1>
      ${error ? html`<p role="alert">${error}</p>` : ''}
      <p>Your organisation does not use SSO here (${domain} is not a verified domain).</p>
      <p>Invited by an organisation that does? Name it as your invitation email does (such as Acme Corporation), or give its email domain (such as acme.com).</p>
      <form method="get" action="/login">
        <input type="hidden" name="email" value="${email}" />
        ${nextField(next)}
        <label>Organisation <input type="text" name="org" required autofocus /></label>
        <button type="submit">Continue</button>
      </form>
      <p><a href="${loginUrl(next)}">Use another email address</a></p>`,
  );
}

/** Asks before sending the person to their IdP when another site started the sign-in. */
export function confirmPage(c: Context, orgName: string, action: string) {
  return layout(
    c,
    200,
    `Sign in to ${orgName}`,
    html`<h1>Sign in to ${orgName}?</h1>
      <p>Another website sent you here. Continue only if you meant to sign in to ${orgName}.</p>
      <form method="post" action="${action}">
        <button type="submit">Continue to sign-in</button>
      </form>`,
  );
}

/**
 * The IdP answered access_denied: mostly someone who pressed Cancel there, sometimes an IdP that
 * will not let them in (Okta: app not assigned); the answer cannot tell which, so the page says both.
 */
export function cancelledPage(c: Context, orgSlug: string, next: string | undefined) {
  return layout(
    c,
    401,
    'Sign-in cancelled',
    html`<h1>Sign-in cancelled</h1>
      <p>You cancelled the sign-in at your identity provider, so you are not signed in. Nothing was changed.</p>
      <p><a href="${signInStartUrl(orgSlug, undefined, next)}">Try signing in again</a></p>
      <p>If you did not cancel, your identity provider did not let you continue: your IT team may need to give you access to this app.</p>`,
  );
}
