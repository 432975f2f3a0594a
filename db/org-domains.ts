import { randomBytes } from 'node:crypto';
import { claimableDomain, MAX_DOMAINS_PER_ORG } from '../domain/domain-claim.ts';
import type { DomainStatus, LookupOutcome, VerificationMethod } from '../domain/domain-verification.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';

/** 128 random bits in lower-case hex: the format the migration checks and hasChallengeValue compares. */
const newDomainToken = () => randomBytes(16).toString('hex');

export interface OrgDomainRow {
  domain: string;
  status: DomainStatus;
  verifiedBy: VerificationMethod | null;
  /** Null for operator-asserted domains. */
  token: string | null;
  createdAt: Date;
  verifiedAt: Date | null;
  checkedAt: Date | null;
  checkOutcome: LookupOutcome | null;
  recordMissingSince: Date | null;
}

const columns = (sql: Queryable) => sql`
  domain, status, verified_by as "verifiedBy", token, created_at as "createdAt", verified_at as "verifiedAt",
  checked_at as "checkedAt", check_outcome as "checkOutcome", record_missing_since as "recordMissingSince"`;

export const orgDomains = (sql: Queryable, orgId: string) =>
  sql<OrgDomainRow[]>`select ${columns(sql)} from org_domains where org_id = ${orgId} order by domain`;

export async function orgDomain(sql: Queryable, orgId: string, domain: string): Promise<OrgDomainRow | undefined> {
  const [row]: [OrgDomainRow?] = await sql`select ${columns(sql)} from org_domains where org_id = ${orgId} and domain = ${domain}`;
  return row;
}

/** The organisation (slug) that has `domain` verified, if one has. */
export async function domainOwner(sql: Queryable, domain: string): Promise<{ orgId: string; slug: string } | undefined> {
  const [owner]: [{ orgId: string; slug: string }?] = await sql`
    select o.id as "orgId", o.slug from org_domains d join organisations o on o.id = d.org_id
    where d.domain = ${domain} and d.status = 'verified'`;
  return owner;
}

/**
 * Claims `domain` for DNS verification: a new claim is pending with `token`; a failed one is
 * pending again with its token kept (a record the IT team already created still counts). A
 * pending or verified claim is returned unchanged. Concurrent claims by one org meet on the key.
 */
export async function claimDomain(sql: Queryable, orgId: string, domain: string, token: string): Promise<{ row: OrgDomainRow; changed: boolean }> {
  const [changed]: [OrgDomainRow?] = await sql`
    insert into org_domains (domain, org_id, status, token) values (${domain}, ${orgId}, 'pending', ${token})
    on conflict (org_id, domain) do update set status = 'pending', checked_at = null, check_outcome = null
      where org_domains.status = 'failed'
    returning ${columns(sql)}`;
  if (changed) return { row: changed, changed: true };
  const row = await orgDomain(sql, orgId, domain);
  if (!row) throw new Error(`domain claim ${domain} vanished while being claimed`);
  return { row, changed: false };
}

export type ClaimAnswer =
  | { row: OrgDomainRow; changed: boolean }
  | { refusal: string; code: 'invalid_domain' | 'domain_taken' | 'too_many_domains' };

/**
 * The one way a domain is claimed for DNS verification (api, pages, CLI): the name checked
 * (domain/domain-claim.ts), a domain another organisation has verified refused, then claimDomain,
 * audited with the claim when it changed something. Refusals save nothing.
 */
export async function claimForDnsVerification(sql: Sql, orgId: string, input: string, actor: { memberId: string | null; actor: string }): Promise<ClaimAnswer> {
  const claim = claimableDomain(input);
  if ('refusal' in claim) return { refusal: claim.refusal, code: 'invalid_domain' };
  const { domain } = claim;
  return sql.begin(async (tx) => {
    const owner = await domainOwner(tx, domain);
    if (owner && owner.orgId !== orgId) {
      return { refusal: `${domain} is already verified by another organisation. If it is yours, contact support.`, code: 'domain_taken' as const };
    }
    // Counted before the domain is looked for: a twin claim of the same domain, queued behind this
    // one, then finds the domain it added instead of counting it as one too many.
    if ((await lockedDomainCount(tx, orgId)) >= MAX_DOMAINS_PER_ORG && !(await orgDomain(tx, orgId, domain))) {
      return {
        refusal: `Your organisation already has ${MAX_DOMAINS_PER_ORG} domains, the most it can hold. Remove one it no longer uses, then add ${domain}.`,
        code: 'too_many_domains' as const,
      };
    }
    const answer = await claimDomain(tx, orgId, domain, newDomainToken());
    if (answer.changed) await insertAuditEvent(tx, { orgId, ...actor, type: 'domain.claimed', data: { domain } });
    return answer;
  });
}

/**
 * The organisation's domain count, with its row locked (no key update: member inserts, which only
 * share its key, go on) so two new claims at the limit take turns and the second sees the first.
 */
async function lockedDomainCount(tx: Queryable, orgId: string): Promise<number> {
  await tx`select 1 from organisations where id = ${orgId} for no key update`;
  const [{ n }]: [{ n: number }] = await tx`select count(*)::int as n from org_domains where org_id = ${orgId}`;
  return n;
}
