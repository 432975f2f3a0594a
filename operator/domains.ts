import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { claimForDnsVerification, orgDomains } from '../db/org-domains.ts';
import { challengeRecord, lookupOutcomeWords } from '../domain/domain-verification.ts';
import { requestDomainCheck } from '../temporal/domain-verification.ts';
import { OperatorError } from './errors.ts';
import { findOrg } from './operations.ts';
import { withTemporal } from './temporal.ts';

/**
 * `domain verify`: claims the domain for DNS verification (or asks an existing claim for a check
 * now) and prints the record the organisation must create. The same rules and workflow as the api.
 */
export async function verifyDomainByDns(sql: Sql, config: Config, { org: slug, domain }: { org: string; domain: string }): Promise<string> {
  const org = await findOrg(sql, slug);
  const answer = await claimForDnsVerification(sql, org.id, domain, { memberId: null, actor: 'operator' });
  if ('refusal' in answer) throw new OperatorError(answer.refusal);
  const { row } = answer;
  if (row.token === null) return `${row.domain} is already verified for ${slug} by the operator; nothing to check`;
  await withTemporal(config, (client) => requestDomainCheck(client, config.temporal.taskQueue, { org, domain: row.domain }));
  const record = challengeRecord(row.domain, row.token);
  return [`${row.domain} is ${row.status} for ${slug}; a check is queued. The organisation creates this DNS record:`, `  ${record.name}  TXT  "${record.value}"`].join('\n');
}

/** `domain list`: one line per domain of the org, with its status and last check. */
export async function listDomains(sql: Sql, { org: slug }: { org: string }): Promise<string> {
  const org = await findOrg(sql, slug);
  const rows = await orgDomains(sql, org.id);
  return rows
    .map((d) => [
      d.domain,
      d.status,
      `by=${d.verifiedBy ?? '-'}`,
      `last-check=${d.checkedAt ? `${d.checkedAt.toISOString()} (${lookupOutcomeWords[d.checkOutcome!]})` : '-'}`,
      ...(d.recordMissingSince ? [`record-missing-since=${d.recordMissingSince.toISOString()}`] : []),
    ].join('\t'))
    .join('\n') || `no domains for ${slug}`;
}
