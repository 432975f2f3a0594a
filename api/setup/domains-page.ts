import type { AppDeps } from '../context.ts';
import { contactActor } from '../domain-actions.ts';
import { domainPages } from '../pages/domains.ts';
import { setupLayout } from './setup-layout.ts';
import { setupFormFields, setupTokenField, type SetupEnv } from './setup-session.ts';

/**
 * /setup/domains: the admin's domains page and actions (pages/domains.ts, api/domain-actions.ts)
 * in the setup session: the organisation is the session's, the actor its IT contact.
 */
export const setupDomainsPage = (deps: AppDeps) =>
  domainPages<SetupEnv>(deps, {
    path: '/setup/domains',
    actor: (c) => contactActor(c.get('contact')),
    page: (c) => ({ tokenField: setupTokenField(c, deps.config), show: (title, body) => setupLayout(c, deps.config, 200, title, body) }),
    formFields: (c, schema) => setupFormFields(c, deps.config, schema),
  });
