import { resetIdentityLinks } from '../auth/identity-links.ts';
import { checkConnectionSettings } from '../auth/connection-settings.ts';
import { discover } from '../auth/oidc.ts';
import { encryptSecret } from '../auth/tokens.ts';
import type { Config } from '../config/index.ts';
import { insertAuditEvent } from '../db/audit.ts';
import { isUniqueViolation, type Queryable, type Sql } from '../db/client.ts';
import { addItContact as insertItContact } from '../db/it-contacts.ts';
import { domainOwner } from '../db/org-domains.ts';
import { queueAnnouncements } from '../db/site-access-outbox.ts';
import { replaceLiveConnection } from '../db/sso-connections.ts';
import { claimableDomain, normaliseDomain } from '../domain/domain-claim.ts';
import { INVITATION_DAYS } from '../domain/member.ts';
import { isOrgSlug, ORG_SLUG_RULE } from '../domain/org-slug.ts';
import type { InvitationToMail } from '../temporal/invitation-email.ts';
import { OperatorError, operatorEmail } from './errors.ts';

export interface Org {
  id: string;
  slug: string;
  name: string;
}

const notASlug = (slug: string) => new OperatorError(`"${slug}" is not a valid slug: use ${ORG_SLUG_RULE}`);

export async function findOrg(sql: Sql, slug: string): Promise<Org> {
  if (!isOrgSlug(slug)) throw notASlug(slug);
  const [org]: [Org?] = await sql`select id, slug, name from organisations where slug = ${slug}`;
  if (!org) throw new OperatorError(`no organisation "${slug}" (see: org list)`);
  return org;
}

export async function createOrg(sql: Sql, { slug, name }: { slug: string; name: string }): Promise<Org> {
  if (!isOrgSlug(slug)) throw notASlug(slug);
  try {
    const [org]: [Org?] = await sql`insert into organisations (slug, name) values (${slug}, ${name}) returning id, slug, name`;
    await audit(sql, org!.id, 'org.created', { slug, name });
    return org!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new OperatorError(`organisation "${slug}" already exists`);
    throw err;
  }
}

/**
 * The operator asserts the domain: verified by `operator` at once, no DNS record (a pending or
 * failed claim of the same org is taken over and its token dropped, so no page shows a record to create). The same name rules as DNS claims (domain/domain-claim.ts).
 */
export async function addDomain(sql: Sql, { org: slug, domain }: { org: string; domain: string }) {
  const org = await findOrg(sql, slug);
  const normalised = claimedDomain(domain);
  const taken = async () => new OperatorError(`domain ${normalised} already belongs to organisation "${(await domainOwner(sql, normalised))?.slug}"`);
  try {
    const added = await sql.begin(async (tx) => {
      const owner = await domainOwner(tx, normalised);
      if (owner && owner.orgId !== org.id) return false;
      const changed = await tx`
        insert into org_domains (domain, org_id, status, verified_by, verified_at) values (${normalised}, ${org.id}, 'verified', 'operator', now())
        on conflict (org_id, domain) do update set status = 'verified', verified_by = 'operator', verified_at = now(), record_missing_since = null, token = null
          where org_domains.verified_by is distinct from 'operator'`;
      if (changed.count > 0) await audit(tx, org.id, 'domain.verified', { domain: normalised, method: 'operator' });
      return true;
    });
    if (!added) throw await taken();
  } catch (err) {
    if (isUniqueViolation(err)) throw await taken();
    throw err;
  }
}

/** The domain to store, or the refusal as an operator error. */
export function claimedDomain(input: string): string {
  const claim = claimableDomain(input);
  if ('refusal' in claim) throw new OperatorError(claim.refusal);
  return claim.domain;
}

/** Removes the org's claim, whatever its status: a verified domain stops admitting JIT sign-ins at once. */
export async function removeDomain(sql: Sql, { org: slug, domain }: { org: string; domain: string }) {
  const org = await findOrg(sql, slug);
  const normalised = normaliseDomain(domain);
  const removed = await sql`delete from org_domains where domain = ${normalised} and org_id = ${org.id}`;
  if (removed.count === 0) throw new OperatorError(`domain ${normalised} is not verified for "${slug}"`);
  await audit(sql, org.id, 'domain.removed', { domain: normalised });
}

export interface SsoSettings {
  org: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  extraScopes: string[];
}

/** Checks the settings (the setup page's rules) and that the issuer answers discovery before saving; the client secret is stored encrypted only. */
export async function configureSso(sql: Sql, config: Config, settings: SsoSettings) {
  const org = await findOrg(sql, settings.org);
  if (!settings.clientSecret) throw new OperatorError('a client secret is required (OIDC_CLIENT_SECRET or stdin)');
  const checked = checkConnectionSettings(settings, config.env);
  if ('problems' in checked) throw new OperatorError(checked.problems.map((p) => p.message).join(' '));
  const { issuer, clientId, clientSecret } = checked.settings;
  try {
    await discover(checked.settings, config.env);
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
  await replaceLiveConnection(sql, { orgId: org.id, issuer, clientId, sealedSecret: encryptSecret(config.encryptionKey, clientSecret), extraScopes: settings.extraScopes });
  await audit(sql, org.id, 'sso.configured', { issuer, clientId, extraScopes: settings.extraScopes });
}

/**
 * An existing member becomes org admin now; anyone else gets an org-admin invitation for their
 * first sign-in, whose email the caller queues (queueInvitationEmail).
 */
export async function makeOrgAdmin(sql: Sql, { org: slug, email: typed }: { org: string; email: string }) {
  const org = await findOrg(sql, slug);
  const email = operatorEmail(typed);
  return sql.begin(async (sql) => {
    // Locked before it is read: an update's own snapshot would miss a change committed while it
    // waited for the row (the removal of the last site), and the wait it ends would go untold.
    const [member]: [{ id: string; plain: boolean }?] = await sql`
      select id, org_role = 'member' as plain from members where org_id = ${org.id} and email = ${email} for update`;
    if (member) {
      const [{ waited }]: [{ waited: boolean }] = await sql`
        update members set org_role = 'org_admin', updated_at = now() where id = ${member.id}
        returning ${member.plain} and not exists (select 1 from site_assignments a where a.member_id = members.id) as waited`;
      await audit(sql, org.id, 'member.role_changed', { email, orgRole: 'org_admin' }, member.id);
      // Org admins reach every site: a plain member without one stops waiting. The site-rules
      // schedule tells their lifecycle (db/site-access-outbox.ts); the CLI does not wait for Temporal.
      if (waited) await queueAnnouncements(sql, org.id, [member.id]);
      return { outcome: 'promoted' as const, memberId: member.id };
    }
    const [invitation]: [InvitationToMail['invitation']] = await sql`
      insert into invitations (org_id, email, org_role, expires_at)
      values (${org.id}, ${email}, 'org_admin', now() + ${`${INVITATION_DAYS} days`}::interval)
      on conflict (org_id, email) where status = 'pending'
      do update set org_role = 'org_admin', expires_at = excluded.expires_at
      returning id, email, org_role as "orgRole", expires_at as "expiresAt"`;
    await audit(sql, org.id, 'invitation.created', { email, orgRole: 'org_admin', by: 'operator' });
    return { outcome: 'invited' as const, org, invitation };
  });
}

/** The operator's reset of a member's sign-in link (see auth/identity-links.ts). */
export async function resetIdentity(sql: Sql, { org: slug, email }: { org: string; email: string }) {
  const org = await findOrg(sql, slug);
  const [member]: [{ id: string }?] = await sql`select id from members where org_id = ${org.id} and email = ${email}`;
  if (!member) throw new OperatorError(`no member ${email} in "${slug}"`);
  const reset = await resetIdentityLinks(sql, { orgId: org.id, memberId: member.id, actor: 'operator' });
  return reset?.unlinked ?? 0;
}

export async function addSite(sql: Sql, { org: slug, name }: { org: string; name: string }) {
  const org = await findOrg(sql, slug);
  try {
    const [site]: [{ id: string }?] = await sql`insert into sites (org_id, name) values (${org.id}, ${name}) returning id`;
    await audit(sql, org.id, 'site.created', { name });
    return site!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new OperatorError(`site "${name}" already exists in "${slug}"`);
    throw err;
  }
}

export async function addItContact(sql: Sql, { org: slug, email: typed, name }: { org: string; email: string; name: string }) {
  const org = await findOrg(sql, slug);
  const email = operatorEmail(typed);
  if (!(await insertItContact(sql, { orgId: org.id, email, name, actor: 'operator' }))) throw new OperatorError(`${email} is already an IT contact of "${slug}"`);
}

export async function listOrgs(sql: Sql) {
  return sql<{ slug: string; name: string; domains: string[]; issuer: string | null; members: number }[]>`
    select o.slug, o.name,
      coalesce((select array_agg(domain order by domain) from verified_domains where org_id = o.id), '{}') as domains,
      (select issuer from sso_connections where org_id = o.id) as issuer,
      (select count(*)::int from members where org_id = o.id) as members
    from organisations o order by o.slug`;
}

function audit(sql: Queryable, orgId: string, type: string, data: Record<string, unknown>, memberId: string | null = null) {
  return insertAuditEvent(sql, { orgId, memberId, actor: 'operator', type, data });
}
