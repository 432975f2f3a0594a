import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Config } from '../../config/index.ts';
import { layout, type Html } from '../pages/layout.ts';
import { takeNotice } from '../pages/notice.ts';
import type { SetupEnv } from './setup-session.ts';
import { setupTokenField } from './setup-session.ts';
import { SETUP_STEPS } from './steps.ts';

/** The setup pages' header: the organisation, the steps, who is in the setup session and a way out. */
function setupHeader(c: Context<SetupEnv>, config: Config) {
  const contact = c.get('contact');
  return html`<header>
    <nav aria-label="Setup">
      <ul>
        <li><a href="/setup">Setup of ${contact.orgName}</a></li>
        ${SETUP_STEPS.map((step) => html`<li><a href="${step.path}"${c.req.path === step.path ? html` aria-current="page"` : ''}>${step.title}</a></li>`)}
      </ul>
    </nav>
    <form method="post" action="/setup/sign-out" class="sign-out">
      ${setupTokenField(c, config)}
      <span>${contact.email} (IT contact)</span> <button type="submit">End setup session</button>
    </form>
  </header>`;
}

/** A setup page in the shared layout, with the setup header and the notice the last action left. */
export function setupLayout(c: Context<SetupEnv>, config: Config, status: ContentfulStatusCode, title: string, body: Html) {
  const notice = c.req.method === 'GET' ? takeNotice(c, config) : undefined;
  const withNotice = html`${notice ? html`<p class="done" role="status">${notice}</p>` : ''}${body}`;
  return layout(c, status, title, withNotice, undefined, setupHeader(c, config));
}
