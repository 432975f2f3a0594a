import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { findSetupLink, SETUP_LINK_HOURS, type SetupLinkState } from '../../db/setup-links.ts';
import { openSetupSession } from '../../db/setup-sessions.ts';
import type { AppDeps } from '../context.ts';
import { parseUrlEncoded } from '../url-encoded.ts';
import { layout, page } from '../pages/layout.ts';
import { startSetupCookie } from './setup-session.ts';

const askAgain = `Ask an admin of your organisation to send you a new setup link (they do it from Admin → Setup), or ask the service's operator.`;

/** Why a link does not open, as a page with the next step; nothing is consumed or written. */
const refusals: Record<Exclude<SetupLinkState, 'usable'>, { status: 404 | 410; title: string; why: string }> = {
  used: { status: 410, title: 'This setup link was already used', why: 'A setup link opens one setup session, once. If that was not you, tell your organisation\'s admins.' },
  expired: { status: 410, title: 'This setup link has expired', why: `A setup link works for ${SETUP_LINK_HOURS} hours after it is sent.` },
  revoked: { status: 410, title: 'This setup link was revoked', why: 'An admin or the operator withdrew it.' },
  unknown: { status: 404, title: 'This setup link is not valid', why: 'The link is incomplete or was never sent. Copy the whole link from the email.' },
};

function refuse(c: Context, state: Exclude<SetupLinkState, 'usable'>) {
  const { status, title, why } = refusals[state];
  return page(c, status, title, `${why} ${askAgain}`);
}

const tokenField = z.string().max(200, 'is too long for a setup link token');

/**
 * Opening a link is two steps: GET shows what it opens, POST consumes it. Mail scanners and link
 * previews fetch URLs with GET; they would otherwise burn a single-use link before its owner clicks.
 * The POST carries no form token (there is no session yet); the Origin check of every form applies.
 */
export function openLinkPage({ sql, config }: AppDeps) {
  const app = new Hono();
  app.get('/', async (c) => {
    const token = tokenField.safeParse(c.req.query('token') ?? '');
    const link = token.success ? await findSetupLink(sql, token.data) : { state: 'unknown' as const };
    if (link.state !== 'usable') return refuse(c, link.state);
    return layout(
      c,
      200,
      'Open the setup of your organisation',
      html`<h1>Set up ${link.orgName}</h1>
        <p>This link was sent to ${link.email}, an IT contact of ${link.orgName}. It opens the organisation's setup pages for this browser; it works once.</p>
        <form method="post" action="/setup/open">
          <input type="hidden" name="token" value="${token.data}" />
          <button type="submit">Open the setup pages</button>
        </form>`,
    );
  });

  app.post('/', async (c) => {
    const fields = parseUrlEncoded(await c.req.text(), 'The form');
    const token = tokenField.safeParse(fields.findLast((f) => f.name === 'token')?.value ?? '');
    if (!token.success) return refuse(c, 'unknown');
    const opened = await openSetupSession(sql, token.data);
    if (!('sessionId' in opened)) return refuse(c, opened.state === 'usable' ? 'used' : opened.state);
    startSetupCookie(c, config, opened.sessionId);
    return c.redirect('/setup', 303);
  });
  return app;
}
