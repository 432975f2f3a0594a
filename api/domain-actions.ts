import type { SessionMember } from '../auth/sessions.ts';
import { insertAuditEvent } from '../db/audit.ts';
import { claimForDnsVerification, orgDomain, orgDomains, type OrgDomainRow } from '../db/org-domains.ts';
import { setupActor, type SetupContact } from '../db/setup-sessions.ts';
import { isDomainName } from '../domain/domain-name.ts';
import { normaliseDomain } from '../domain/domain-claim.ts';
import { challengeRecord, lookupOutcomeWords, type ChallengeRecord } from '../domain/domain-verification.ts';
import { requestDomainCheck } from '../temporal/domain-verification.ts';
import type { AppDeps } from './context.ts';
import { ClientError } from './errors.ts';
import { startOrUnavailable } from './temporal.ts';

/** A domain as the API and the page show it: the TXT record to create whenever there is a token. */
export interface DomainView {
  domain: string;
  status: OrgDomainRow['status'];
  verifiedBy: OrgDomainRow['verifiedBy'];
  createdAt: Date;
  verifiedAt: Date | null;
  record: ChallengeRecord | null;
  lastCheck: { at: Date; outcome: string; description: string } | null;
  /** A verified domain whose record the daily re-check no longer finds (it stays verified). */
  recordMissingSince: Date | null;
}

export const domainView = (row: OrgDomainRow): DomainView => ({
  domain: row.domain,
  status: row.status,
  verifiedBy: row.verifiedBy,
  createdAt: row.createdAt,
  verifiedAt: row.verifiedAt,
  record: row.token === null ? null : challengeRecord(row.domain, row.token),
  lastCheck: row.checkedAt && row.checkOutcome ? { at: row.checkedAt, outcome: row.checkOutcome, description: lookupOutcomeWords[row.checkOutcome] } : null,
  recordMissingSince: row.recordMissingSince,
});

/**
 * Who acts on the organisation's domains: an org admin (API, /admin/domains) or an IT contact in a
 * setup session (/setup/domains). The organisation is always the actor's own; `actor` is what the
 * audit log writes (`member:{id}`, `setup:{email}`).
 */
export interface DomainActor {
  orgId: string;
  orgSlug: string;
  memberId: string | null;
  actor: string;
}

export const adminActor = (admin: SessionMember): DomainActor => ({ orgId: admin.orgId, orgSlug: admin.orgSlug, memberId: admin.memberId, actor: `member:${admin.memberId}` });

export const contactActor = (contact: SetupContact): DomainActor => ({ orgId: contact.orgId, orgSlug: contact.orgSlug, memberId: null, actor: setupActor(contact.email) });

const noSuchDomain = () => new ClientError(404, 'not_found', 'Your organisation has not added this domain; add it first.');
const notQueued = () => new ClientError(503, 'check_not_queued', 'The domain is saved but its check could not be queued. Send the same request again in a minute.');
const byOperator = (domain: string) => new ClientError(409, 'verified_by_operator', `${domain} was verified by the service operator; there is no DNS record to check. Ask the operator to change it.`);

/** What an org admin or IT contact does with the organisation's domains: the JSON API, /admin/domains and /setup/domains. */
export function domainActions({ sql, config, temporal }: AppDeps) {
  const check = (by: DomainActor, domain: string) =>
    startOrUnavailable(temporal.client, () => requestDomainCheck(temporal.client, config.temporal.taskQueue, { org: { id: by.orgId, slug: by.orgSlug }, domain }), notQueued());

  async function find(by: DomainActor, input: string): Promise<OrgDomainRow> {
    const domain = normaliseDomain(input);
    const row = isDomainName(domain) ? await orgDomain(sql, by.orgId, domain) : undefined;
    if (!row) throw noSuchDomain();
    return row;
  }

  /**
   * Idempotent: adding a domain again returns it as it stands (and asks for a check); a failed
   * one starts over with its token. The workflow is started after the claim commits, so a
   * Temporal outage leaves a pending claim that the same request queues later.
   */
  async function add(by: DomainActor, input: string) {
    const answer = await claimForDnsVerification(sql, by.orgId, input, { memberId: by.memberId, actor: by.actor });
    if ('refusal' in answer) throw new ClientError(answer.code === 'invalid_domain' ? 400 : 409, answer.code, answer.refusal);
    if (answer.row.token !== null) await check(by, answer.row.domain);
    return { domain: domainView(answer.row), created: answer.changed };
  }

  return {
    list: async (by: DomainActor) => (await orgDomains(sql, by.orgId)).map(domainView),

    /** The domain a removal would act on, refused as the removal itself would be (operator-verified: 409). */
    async toRemove(by: DomainActor, input: string): Promise<DomainView> {
      const row = await find(by, input);
      if (row.verifiedBy === 'operator') throw byOperator(row.domain);
      return domainView(row);
    },

    add,

    /** Signals the domain's workflow; a failed domain is claimed again, which starts a new attempt. */
    async checkNow(by: DomainActor, input: string) {
      const row = await find(by, input);
      if (row.verifiedBy === 'operator' || row.token === null) throw byOperator(row.domain);
      if (row.status === 'failed') return (await add(by, row.domain)).domain;
      await check(by, row.domain);
      return domainView(row);
    },

    /**
     * Stops trusting the domain for JIT; its workflow ends at its next check (it finds no claim).
     * Operator-verified domains are the operator's to remove.
     */
    async remove(by: DomainActor, input: string): Promise<string> {
      const row = await find(by, input);
      if (row.verifiedBy === 'operator') throw byOperator(row.domain);
      await sql.begin(async (tx) => {
        // Checked again where it is deleted: the operator may have asserted it since it was read.
        const removed = await tx`delete from org_domains where org_id = ${by.orgId} and domain = ${row.domain} and verified_by is distinct from 'operator'`;
        if (removed.count > 0) await insertAuditEvent(tx, { orgId: by.orgId, memberId: by.memberId, actor: by.actor, type: 'domain.removed', data: { domain: row.domain } });
        else if ((await orgDomain(tx, by.orgId, row.domain))?.verifiedBy === 'operator') throw byOperator(row.domain);
      });
      return row.domain;
    },
  };
}
