import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/client.ts';
import type { MemberSource, OrgRole, SiteRole } from '../../domain/member.ts';
import type { ProvisionIdentityInput } from '../../workflows/definitions.ts';
import { testEmailHash } from './payload-keys.ts';

export const uniqueSlug = (prefix = 'org') => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function insertOrg(sql: Sql, slug = uniqueSlug()) {
  const [org] = await sql<{ id: string; slug: string }[]>`
    insert into organisations (slug, name) values (${slug}, ${`Org ${slug}`}) returning id, slug`;
  return org!;
}

const FAKE_ISSUER = 'https://idp.example';

/**
 * An org with the verified domain `{slug}.test` and an SSO connection row (no IdP behind it, for
 * code that starts after the OIDC checks), and `signIn(sub)`: the verified sign-in of `{sub}@{slug}.test`.
 */
export async function insertSsoOrg(sql: Sql, slug = uniqueSlug()) {
  const org = await insertOrg(sql, slug);
  const domain = `${org.slug}.test`;
  await sql`insert into verified_domains (domain, org_id) values (${domain}, ${org.id})`;
  const [connection] = await sql<{ id: string }[]>`
    insert into sso_connections (org_id, issuer, client_id, client_secret_encrypted)
    values (${org.id}, ${FAKE_ISSUER}, 'c', 'sealed') returning id`;
  const signIn = (sub: string): ProvisionIdentityInput => ({
    orgId: org.id,
    orgSlug: org.slug,
    connectionId: connection!.id,
    iss: FAKE_ISSUER,
    sub,
    email: `${sub}@${domain}`,
    emailHash: testEmailHash(`${sub}@${domain}`),
    emailVerified: true,
    name: sub,
  });
  return { org, signIn };
}

export async function insertMember(
  sql: Sql,
  orgId: string,
  email: string,
  { source = 'operator', orgRole = 'member' }: { source?: MemberSource; orgRole?: OrgRole } = {},
) {
  const [member] = await sql<{ id: string; email: string }[]>`
    insert into members (org_id, email, name, source, org_role)
    values (${orgId}, ${email}, ${email.split('@')[0]!}, ${source}, ${orgRole}) returning id, email`;
  return member!;
}

/**
 * An assignment as an org admin's grant leaves it (the assignment and the decision behind it,
 * db/site-assignments.ts), written straight into the database for a test's starting state.
 */
export async function insertSiteAssignment(sql: Sql, { orgId, memberId, siteId, role = 'site_member' }: { orgId: string; memberId: string; siteId: string; role?: SiteRole }) {
  await sql`insert into site_decisions (org_id, member_id, site_id, kind, site_role, decided_by) values (${orgId}, ${memberId}, ${siteId}, 'granted', ${role}, 'operator')`;
  const [assigned]: [{ createdAt: Date }] = await sql`
    insert into site_assignments (org_id, member_id, site_id, site_role) values (${orgId}, ${memberId}, ${siteId}, ${role}) returning created_at as "createdAt"`;
  return assigned;
}

/** Domains no organisation may claim, with the status and the words of the refusal: the API and both domains pages refuse them alike. */
export const unclaimableDomains: [string, number, RegExp][] = [
  ['gmail.com', 400, /public email provider/],
  ['co.uk', 400, /public suffix/],
  ['10.1.2.3', 400, /IP address/],
  ['not a domain', 400, /not a domain name/],
  ['a'.repeat(300), 400, /domain/],
];
