import { insertAuditEvent } from '../db/audit.ts';
import type { Sql } from '../db/client.ts';
import { orgDomain } from '../db/org-domains.ts';
import type { LookupOutcome } from '../domain/domain-verification.ts';
import { lookUpChallenge, type DnsSettings } from './dns.ts';

export interface DomainRef {
  orgId: string;
  domain: string;
}

/** Where the claim stands when the workflow (re)starts: `gone` means removed, nothing to do. */
export type DomainClaimState = { status: 'pending' | 'verified'; token: string } | { status: 'failed' | 'gone' | 'operator' };

/**
 * A check while pending. `verified`: the record was found and the claim committed as verified;
 * otherwise why checking ends (`taken`: another organisation verified the domain first; `gone`:
 * removed; `operator`: the operator asserted it meanwhile; `replaced`: removed and claimed again,
 * with a new token the run does not know), or the outcome of a check to repeat.
 */
export type DomainCheckResult =
  | { claim: 'pending'; outcome: Exclude<LookupOutcome, 'found'> }
  | { claim: 'verified'; verifiedAt: string }
  | { claim: 'taken' | 'gone' | 'operator' | 'replaced' };

/**
 * A re-check of a verified domain: `missing` carries since when (the warning's key), `gone` ends the
 * watch, `replaced` (removed and claimed again, a new token) hands the new claim to a new run.
 */
export type DomainRecheckResult = { record: 'present' | 'unknown' | 'gone' | 'replaced' } | { record: 'missing'; missingSince: string };

/** The domain was removed and claimed again: a claim with another token than the run checks. */
const isReplaced = (current: { token: string | null } | undefined, token: string) => current?.token != null && current.token !== token;

const system = 'system:domain-verification';

export function domainActivities(sql: Sql, dns: DnsSettings) {
  return {
    /** Read-only. */
    async readDomainClaim({ orgId, domain }: DomainRef): Promise<DomainClaimState> {
      const row = await orgDomain(sql, orgId, domain);
      if (!row) return { status: 'gone' };
      if (row.token === null || row.verifiedBy === 'operator') return { status: 'operator' };
      if (row.status === 'failed') return { status: 'failed' };
      return { status: row.status, token: row.token };
    },

    /**
     * Looks the record up and records what was found; a find verifies the claim, in one
     * transaction with its audit event. Idempotent: a retry after the commit finds the claim
     * verified by DNS and answers as the first attempt did; the one-owner index makes a
     * concurrent verification by another organisation lose (`taken`), never produce two owners.
     */
    async checkDomainRecord({ orgId, domain, token }: DomainRef & { token: string }): Promise<DomainCheckResult> {
      const outcome = await lookUpChallenge(dns, domain, token);
      return sql.begin(async (tx): Promise<DomainCheckResult> => {
        const [claim]: [{ status: string; verifiedBy: string | null; verifiedAt: Date | null }?] = await tx`
          update org_domains set checked_at = now(), check_outcome = ${outcome}
          where org_id = ${orgId} and domain = ${domain} and (token = ${token} or verified_by = 'operator')
          returning status, verified_by as "verifiedBy", verified_at as "verifiedAt"`;
        if (!claim) return { claim: isReplaced(await orgDomain(tx, orgId, domain), token) ? 'replaced' : 'gone' };
        if (claim.status === 'verified' && claim.verifiedBy === 'dns' && claim.verifiedAt) return { claim: 'verified', verifiedAt: claim.verifiedAt.toISOString() };
        if (claim.verifiedBy === 'operator') return { claim: 'operator' };
        if (claim.status !== 'pending') return { claim: 'taken' };
        if (outcome !== 'found') return { claim: 'pending', outcome };
        const [owner] = await tx`select 1 from org_domains where domain = ${domain} and status = 'verified' and org_id <> ${orgId}`;
        if (owner) {
          await tx`update org_domains set status = 'failed' where org_id = ${orgId} and domain = ${domain} and status = 'pending'`;
          await insertAuditEvent(tx, { orgId, memberId: null, actor: system, type: 'domain.verification_failed', data: { domain, reason: 'verified by another organisation' } });
          return { claim: 'taken' };
        }
        const [verified]: [{ verifiedAt: Date }] = await tx`
          update org_domains set status = 'verified', verified_by = 'dns', verified_at = now(), record_missing_since = null
          where org_id = ${orgId} and domain = ${domain} returning verified_at as "verifiedAt"`;
        await insertAuditEvent(tx, { orgId, memberId: null, actor: system, type: 'domain.verified', data: { domain, method: 'dns' } });
        return { claim: 'verified', verifiedAt: verified.verifiedAt.toISOString() };
      });
    },

    /** The deadline passed. Idempotent: only a pending claim fails, and its audit event is written with that change. */
    async failDomainVerification({ orgId, domain }: DomainRef): Promise<boolean> {
      return sql.begin(async (tx) => {
        const failed = await tx`update org_domains set status = 'failed' where org_id = ${orgId} and domain = ${domain} and status = 'pending'`;
        if (failed.count === 0) return false;
        await insertAuditEvent(tx, { orgId, memberId: null, actor: system, type: 'domain.verification_failed', data: { domain, reason: 'no record before the deadline' } });
        return true;
      });
    },

    /**
     * Re-checks a verified domain's record. A missing record never un-verifies the domain (people
     * would be locked out by a DNS slip); it is remembered from the first miss, which keys the one
     * warning per absence. Idempotent: the first miss is kept (coalesce), a find clears it.
     */
    async recheckDomainRecord({ orgId, domain, token }: DomainRef & { token: string }): Promise<DomainRecheckResult> {
      const outcome = await lookUpChallenge(dns, domain, token);
      const missing = outcome === 'no_record' || outcome === 'other_values';
      const [row]: [{ recordMissingSince: Date | null }?] = await sql`
        update org_domains set checked_at = now(), check_outcome = ${outcome},
          record_missing_since = case when ${missing} then coalesce(record_missing_since, now()) when ${outcome === 'found'} then null else record_missing_since end
        where org_id = ${orgId} and domain = ${domain} and status = 'verified' and verified_by = 'dns' and token = ${token}
        returning record_missing_since as "recordMissingSince"`;
      if (!row) return { record: isReplaced(await orgDomain(sql, orgId, domain), token) ? 'replaced' : 'gone' };
      if (missing && row.recordMissingSince) return { record: 'missing', missingSince: row.recordMissingSince.toISOString() };
      return { record: outcome === 'found' ? 'present' : 'unknown' };
    },
  };
}
