import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** A plain page for browser flows; hono/html escapes every interpolated value. */
export function page(c: Context, status: ContentfulStatusCode, title: string, message: string, action?: { href: string; label: string }) {
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${title}</title>
        </head>
        <body>
          <main>
            <h1>${title}</h1>
            <p>${message}</p>
            ${action ? html`<p><a href="${action.href}">${action.label}</a></p>` : ''}
          </main>
        </body>
      </html>`,
    status,
  );
}

export function emailForm(c: Context, status: ContentfulStatusCode, error?: string) {
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Sign in</title>
        </head>
        <body>
          <main>
            <h1>Sign in</h1>
            ${error ? html`<p role="alert">${error}</p>` : ''}
            <form method="get" action="/login">
              <label>Work email <input type="email" name="email" required autofocus /></label>
              <button type="submit">Continue</button>
            </form>
          </main>
        </body>
      </html>`,
    status,
  );
}

/** Asks before sending the person to their IdP when another site started the sign-in. */
export function confirmPage(c: Context, orgName: string, action: string) {
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Sign in to ${orgName}</title>
        </head>
        <body>
          <main>
            <h1>Sign in to ${orgName}?</h1>
            <p>Another website sent you here. Continue only if you meant to sign in to ${orgName}.</p>
            <form method="post" action="${action}">
              <button type="submit">Continue to sign-in</button>
            </form>
          </main>
        </body>
      </html>`,
    200,
  );
}
