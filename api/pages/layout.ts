import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { SessionMember } from '../../auth/sessions.ts';
import { formatUtc } from '../../domain/reminder-email.ts';
import { relativeTime } from '../../domain/relative-time.ts';
import { PAGE_SCRIPT_PATH } from './page-script.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The signed-in member and the form token of their session: the header's links and sign-out button. */
export interface Chrome {
  member: SessionMember;
  formToken: string;
  /** What the action that led here did (notice.ts), shown above the page. */
  notice?: string;
}

/** Every form that posts carries the session's form token (see form-token.ts). */
export const tokenField = (chrome: Chrome) => html`<input type="hidden" name="_csrf" value="${chrome.formToken}" />`;

function header(chrome: Chrome | undefined) {
  if (!chrome) return '';
  const admin = chrome.member.orgRole === 'org_admin';
  return html`<header>
    <nav aria-label="Main">
      <ul>
        <li><a href="/">My sites</a></li>
        ${admin ? html`<li><a href="/admin/members">Members</a></li><li><a href="/admin/invitations">Invitations</a></li><li><a href="/admin/site-rules">Site rules</a></li><li><a href="/admin/domains">Domains</a></li><li><a href="/admin/setup">Setup</a></li>` : ''}
      </ul>
    </nav>
    <form method="post" action="/sign-out" class="sign-out">
      ${tokenField(chrome)}
      <span>${chrome.member.email}</span> <button type="submit">Sign out</button>
    </form>
  </header>`;
}

/**
 * The document around every page; hono/html escapes every interpolated value. `ownHeader` replaces
 * the member header on pages of another kind of session (the setup pages).
 */
export function layout(c: Context, status: ContentfulStatusCode, title: string, body: Html, chrome?: Chrome, ownHeader?: Html) {
  // Never framed (a framed member page could trick an admin into clicking Disable), never kept in a
  // browser cache (Back after sign-out on a shared computer), and no address of ours (a setup link's
  // token in /setup/open?token=) sent to another site as Referer; our own pages still get it (the
  // error page's way back).
  c.header('x-frame-options', 'DENY');
  c.header('content-security-policy', "frame-ancestors 'none'");
  c.header('cache-control', 'no-store');
  c.header('referrer-policy', 'same-origin');
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${title}</title>
          <link rel="stylesheet" href="/style.css" />
          <script src="/local-time.js" defer></script>
          <script src="${PAGE_SCRIPT_PATH}" defer></script>
        </head>
        <body>
          <a class="skip" href="#main">Skip to content</a>
          ${ownHeader ?? header(chrome)}
          <main id="main" tabindex="-1">${chrome?.notice ? html`<p class="done" role="status">${chrome.notice}</p>` : ''}${body}</main>
        </body>
      </html>`,
    status,
  );
}

export interface Link {
  href: string;
  label: string;
}

/** What an error page adds: the header of the signed-in member, and the request id for support. */
export interface PageExtras {
  chrome?: Chrome | undefined;
  requestId?: string | undefined;
}

/** A plain page for browser flows: a title, a message, perhaps a way on, and last the request id. */
export function page(c: Context, status: ContentfulStatusCode, title: string, message: string, action?: Link, { chrome, requestId }: PageExtras = {}) {
  return layout(
    c,
    status,
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>
      ${action ? html`<p><a href="${action.href}">${action.label}</a></p>` : ''}
      ${requestId ? html`<p class="request-id">Request id: <code>${requestId}</code> (give it to support if you ask for help)</p>` : ''}`,
    chrome,
  );
}

/**
 * A time as `<time>`: in UTC (as in the reminder emails) with "3 days ago" where that helps, both
 * right at first paint; local-time.ts then shows the UTC part in the viewer's zone. A dash for no time.
 */
export function when(at: Date | string | null | undefined, now = Date.now()): Html | string {
  if (!at) return '—';
  const date = new Date(at);
  const relative = relativeTime(date, now);
  return html`<time datetime="${date.toISOString()}"><span class="at">${formatUtc(date.toISOString()).slice(0, -7)} UTC</span>${relative ? ` (${relative})` : ''}</time>`;
}
