/** One step of an organisation's self-serve setup: a page under /setup and what it is for. */
export interface SetupStep {
  path: string;
  title: string;
  summary: string;
}

/**
 * The steps the setup pages offer, in the order an IT team usually takes them; the header and the
 * overview list exactly these. Extension point: a new step adds its entry here and mounts its page
 * in setup-routes.ts (`mountSetupStep`).
 */
export const SETUP_STEPS: readonly SetupStep[] = [
  {
    path: '/setup/domains',
    title: 'Domains',
    summary: 'Verify your email domains with a DNS TXT record, so that people who sign in with single sign-on get an account.',
  },
  {
    path: '/setup/sso',
    title: 'Single sign-on (OIDC)',
    summary: 'Connect your identity provider (Okta, Microsoft Entra ID, any OpenID Provider): save its settings as a draft, run a test sign-in, then make it live.',
  },
  {
    path: '/setup/scim',
    title: 'Directory sync (SCIM)',
    summary: 'Create the token your directory (Okta, Microsoft Entra ID) uses to add, update and remove people; rotate or revoke it.',
  },
  {
    path: '/setup/it-contacts',
    title: 'IT contacts',
    summary: 'Who is told about setup and copied on escalating reminders. Add or remove contacts; at least one remains.',
  },
];
