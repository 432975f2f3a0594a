import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { endSession } from '../session.ts';
import { domainsPage } from './domains.ts';
import { formFields } from './form-token.ts';
import { homePage } from './home.ts';
import { invitationsPage } from './invitations.ts';
import { LOCAL_TIME_PATH, LOCAL_TIME_SCRIPT } from './local-time.ts';
import { memberForms } from './member-forms.ts';
import { memberPage } from './member-page.ts';
import { membersListPage } from './members-list.ts';
import { PAGE_SCRIPT, PAGE_SCRIPT_PATH } from './page-script.ts';
import { requirePageAdmin, requirePageMember } from './page-session.ts';
import { setupAdminPage } from './setup-admin.ts';
import { siteRulesPage } from './site-rules.ts';
import { STYLESHEET } from './style.ts';

/** The member and org-admin pages, beside the JSON API and under the same session and rules. */
export function pageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get(LOCAL_TIME_PATH, (c) => c.body(LOCAL_TIME_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' }));
  app.get(PAGE_SCRIPT_PATH, (c) => c.body(PAGE_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' }));
  app.get('/style.css', (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }));

  const member = requirePageMember(deps);
  app.use('/', member);
  app.use('/sign-out', member);
  app.use('/admin/*', member, requirePageAdmin);

  app.route('/', homePage(deps));
  app.post('/sign-out', async (c) => {
    await formFields(c, deps.config, z.strictObject({}));
    await endSession(c, deps);
    return c.redirect('/login', 303);
  });
  app.route('/admin/members', membersListPage(deps));
  app.route('/admin/members', memberPage(deps));
  app.route('/admin/members', memberForms(deps));
  app.route('/admin/invitations', invitationsPage(deps));
  app.route('/admin/setup', setupAdminPage(deps));
  app.route('/admin/domains', domainsPage(deps));
  app.route('/admin/site-rules', siteRulesPage(deps));
  return app;
}
