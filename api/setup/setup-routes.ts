import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../context.ts';
import { page } from '../pages/layout.ts';
import { setupDomainsPage } from './domains-page.ts';
import { itContactsPage } from './it-contacts-page.ts';
import { openLinkPage } from './open-link.ts';
import { overviewPage } from './overview.ts';
import { scimTokensPage } from './scim-tokens-page.ts';
import { ssoPage } from './sso-page.ts';
import { endSetupCookie, requireSetupContact, setupFormFields, type SetupEnv } from './setup-session.ts';

/**
 * The setup pages of an organisation's IT contacts, under /setup. /setup/open needs no session
 * (it starts one); everything else needs a setup session and acts only on its organisation,
 * which the session alone decides (no organisation in any URL or form).
 */
export function setupRoutes(deps: AppDeps) {
  const app = new Hono<SetupEnv>();
  app.route('/open', openLinkPage(deps));
  app.get('/ended', (c) => page(c, 200, 'Setup session ended', 'Your setup session has ended in this browser. To set up more later, ask an admin of your organisation for a new setup link.'));
  app.use('*', requireSetupContact(deps));
  app.route('/', overviewPage(deps));
  /** Mounts one step's page (listed in steps.ts SETUP_STEPS) under the setup session. */
  const mountSetupStep = (path: string, routes: Hono<SetupEnv>) => app.route(path, routes);
  mountSetupStep('/sso', ssoPage(deps));
  mountSetupStep('/scim', scimTokensPage(deps));
  mountSetupStep('/domains', setupDomainsPage(deps));
  mountSetupStep('/it-contacts', itContactsPage(deps));
  app.post('/sign-out', async (c) => {
    await setupFormFields(c, deps.config, z.strictObject({}));
    await endSetupCookie(c, deps);
    return c.redirect('/setup/ended', 303);
  });
  return app;
}
