import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../context.ts';
import { setupLayout } from './setup-layout.ts';
import type { SetupEnv } from './setup-session.ts';
import { SETUP_STEPS } from './steps.ts';

/** The first page of a setup session: what can be set up here, one link per step. */
export function overviewPage({ config }: AppDeps) {
  const app = new Hono<SetupEnv>();
  app.get('/', (c) => {
    const { orgName } = c.get('contact');
    const body = html`<h1>Setup of ${orgName}</h1>
      <p>As an IT contact of ${orgName} you can set up the following here. Every change is recorded and shown to ${orgName}'s admins.</p>
      <ol class="steps">
        ${SETUP_STEPS.map((step) => html`<li><h2><a href="${step.path}">${step.title}</a></h2><p>${step.summary}</p></li>`)}
      </ol>`;
    return setupLayout(c, config, 200, `Setup of ${orgName}`, body);
  });
  return app;
}
