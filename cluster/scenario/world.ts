/**
 * The organisations of the scenario, created through the operator's own functions as the app's
 * database role (as `npm run cli` runs in production): each with a verified domain; the sign-in
 * ones with SSO at the loopback IdP, an admin with a site (who receives the digests) and people
 * at the IdP; the directory ones with a SCIM token.
 */
import type { IdpAccount, IdpClient } from '../../dev/oidc-provider.ts';
import { loadConfig } from '../../config/index.ts';
import { createSql } from '../../db/client.ts';
import { addDomain, addSite, configureSso, createOrg } from '../../operator/operations.ts';
import { createScimToken } from '../../operator/scim-tokens.ts';
import type { Cluster } from '../start.ts';
import { pool } from './traffic.ts';
import type { ScenarioSettings } from './settings.ts';

export const CLIENT_ID = 'cluster-app';
const CLIENT_SECRET = 'cluster-client-secret';

export interface Person {
  login: string;
  email: string;
}

export interface PlannedOrg {
  slug: string;
  domain: string;
  people: Person[];
  scim: boolean;
}

export interface SeededOrg extends PlannedOrg {
  id: string;
  scimToken?: string;
  adminEmail?: string;
}

export function planOrgs(settings: ScenarioSettings): PlannedOrg[] {
  const perOrg = Math.ceil(settings.signIns / Math.max(1, settings.signInOrgs));
  return Array.from({ length: settings.orgs }, (_, i) => {
    const slug = `org-${String(i + 1).padStart(4, '0')}`;
    const domain = `${slug}.test`;
    const signsIn = i < settings.signInOrgs;
    const people = signsIn ? Array.from({ length: perOrg }, (_, k) => ({ login: `${slug}-p${k + 1}`, email: `p${k + 1}@${domain}` })) : [];
    return { slug, domain, people, scim: i < settings.scimOrgs };
  });
}

export const idpClients = (orgs: PlannedOrg[]) => (publicUrl: string): IdpClient[] => [
  {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: orgs.filter((o) => o.people.length > 0).map((o) => `${publicUrl}/auth/${o.slug}/callback`),
  },
];

export const idpAccounts = (orgs: PlannedOrg[]): IdpAccount[] =>
  orgs.flatMap((o) => o.people.map((p) => ({ login: p.login, email: p.email, email_verified: true, name: p.login })));

export async function seedOrgs(cluster: Cluster, orgs: PlannedOrg[]): Promise<SeededOrg[]> {
  const config = loadConfig(cluster.appEnv);
  const sql = createSql(cluster.appEnv.DATABASE_URL!, { max: 8 });
  const seeded: SeededOrg[] = [];
  try {
    await pool(orgs, 8, async (planned) => {
      const org = await createOrg(sql, { slug: planned.slug, name: `Organisation ${planned.slug}` });
      await addDomain(sql, { org: planned.slug, domain: planned.domain });
      const out: SeededOrg = { ...planned, id: org.id };
      if (planned.people.length > 0) {
        await configureSso(sql, config, { org: planned.slug, issuer: cluster.idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, extraScopes: [] });
        // The admin has a site (admins never wait) and receives the organisation's digests.
        const site = await addSite(sql, { org: planned.slug, name: 'Head office' });
        const adminEmail = `admin@${planned.domain}`;
        const [admin]: [{ id: string }] = await sql`
          insert into members (org_id, email, name, source, org_role) values (${org.id}, ${adminEmail}, 'Admin', 'operator', 'org_admin') returning id`;
        await sql`insert into site_decisions (org_id, member_id, site_id, kind, site_role, decided_by) values (${org.id}, ${admin.id}, ${site.id}, 'granted', 'site_admin', 'operator')`;
        await sql`insert into site_assignments (org_id, member_id, site_id, site_role) values (${org.id}, ${admin.id}, ${site.id}, 'site_admin')`;
        out.adminEmail = adminEmail;
      }
      if (planned.scim) out.scimToken = (await createScimToken(sql, { org: planned.slug })).token;
      seeded.push(out);
    });
  } finally {
    await sql.end();
  }
  return seeded.sort((a, b) => a.slug.localeCompare(b.slug));
}
