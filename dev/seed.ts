import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { domainOwner } from '../db/org-domains.ts';
import { addDomain, addItContact, addSite, configureSso, createOrg, makeOrgAdmin } from '../operator/operations.ts';
import type { IdpAccount } from './oidc-provider.ts';

export const DEMO_ORG = 'acme';
export const DEMO_DOMAIN = 'acme.test';
export const DEMO_CLIENT = { id: 'sso-provisioning-dev', secret: 'dev-client-secret' };

/** Who can sign in at the dev IdP (login name, any password). */
export const demoAccounts: IdpAccount[] = [
  { login: 'admin', email: `admin@${DEMO_DOMAIN}`, email_verified: true, name: 'Avery Admin' },
  { login: 'alice', email: `alice@${DEMO_DOMAIN}`, email_verified: true, name: 'Alice Example', groups: ['Domain Admins'] },
  { login: 'bob', email: `bob@${DEMO_DOMAIN}`, email_verified: true, name: 'Bob Example' },
  { login: 'carol', email: `carol@${DEMO_DOMAIN}`, email_verified: true, name: 'Carol Example' },
  { login: 'dave', email: `dave@${DEMO_DOMAIN}`, email_verified: false, name: 'Dave Unverified' },
  { login: 'erin', email: 'erin@partner.test', email_verified: true, name: 'Erin Off-domain' },
];

/** The demo organisation, once: acme, SSO at the dev IdP, a first admin, sites and an IT contact (its domain: seedVerifiedDomain). */
export async function seedDemo(sql: Sql, config: Config, issuer: string): Promise<boolean> {
  const [exists] = await sql`select 1 from organisations where slug = ${DEMO_ORG}`;
  if (exists) return false;
  await createOrg(sql, { slug: DEMO_ORG, name: 'Acme Corporation' });
  await configureSso(sql, config, { org: DEMO_ORG, issuer, clientId: DEMO_CLIENT.id, clientSecret: DEMO_CLIENT.secret, extraScopes: [] });
  await makeOrgAdmin(sql, { org: DEMO_ORG, email: `admin@${DEMO_DOMAIN}` });
  await addSite(sql, { org: DEMO_ORG, name: 'Berlin HQ' });
  await addSite(sql, { org: DEMO_ORG, name: 'Lisbon Office' });
  await addItContact(sql, { org: DEMO_ORG, email: `it@${DEMO_DOMAIN}`, name: 'Acme IT' });
  return true;
}

/**
 * The demo organisation's domain, verified (by the operator) at every start so that the demo
 * accounts sign in, also on a dev database whose demo org lost it (`domain remove`). Idempotent:
 * nothing is written while the org has it verified; a domain another organisation verified is
 * left alone and reported.
 */
export async function seedVerifiedDomain(sql: Sql, { org, domain }: { org: string; domain: string }): Promise<'present' | 'added' | { ownedBy: string }> {
  const owner = await domainOwner(sql, domain);
  if (owner) return owner.slug === org ? 'present' : { ownedBy: owner.slug };
  await addDomain(sql, { org, domain });
  return 'added';
}
