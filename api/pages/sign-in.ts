import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { emailDomain } from '../../domain/sign-in.ts';
import { layout } from './layout.ts';

export function emailForm(c: Context, status: ContentfulStatusCode, error?: string) {
  return layout(
    c,
    status,
    'Sign in',
    html`<h1>Sign in</h1>
      ${error ? html`<p role="alert">${error}</p>` : ''}
      <form method="get" action="/login">
        <label>Work email <input type="email" name="email" required autofocus /></label>
        <button type="submit">Continue</button>
      </form>`,
  );
}

/**
 * For an address whose domain has no SSO here: a person invited by an organisation names it.
 * The page is the same for every such address, invited or not, so it reveals no invitation.
 */
export function organisationForm(c: Context, status: ContentfulStatusCode, email: string, error?: string) {
  const domain = emailDomain(email);
  return layout(
    c,
    status,
    'No single sign-on here',
    html`<h1>No single sign-on for ${domain}</h1>
      ${error ? html`<p role="alert">${error}</p>` : ''}
      <p>Your organisation does not use SSO here (${domain} is not a verified domain).</p>
      <p>Invited by an organisation that does? Name it: its email domain (such as acme.com) or the name in your invitation link (/auth/<em>name</em>/login).</p>
      <form method="get" action="/login">
        <input type="hidden" name="email" value="${email}" />
        <label>Organisation <input type="text" name="org" required autofocus /></label>
        <button type="submit">Continue</button>
      </form>
      <p><a href="/login">Use another email address</a></p>`,
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
