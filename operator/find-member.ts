import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { emailAddress } from '../domain/email.ts';
import { memberEmailHasher } from '../temporal/member-email-hash.ts';
import { memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { OperatorError } from './errors.ts';

export interface MemberWorkflowQuery {
  /** Paste into the Temporal UI's filter or `temporal workflow list --query`. */
  query: string;
  /** The lifecycle workflow ids of the members with this email in PostgreSQL (one per organisation). */
  workflowIds: string[];
}

/**
 * The Temporal visibility query that finds a member's lifecycle by email. Search attributes hold
 * only the email's keyed hash (docs/payload-encryption.md), which only this service's key can
 * compute: an operator asks here instead of typing the email into the Temporal UI.
 */
export async function memberWorkflowQuery(sql: Sql, config: Config, rawEmail: string): Promise<MemberWorkflowQuery> {
  const parsed = emailAddress.safeParse(rawEmail);
  if (!parsed.success) throw new OperatorError(`"${rawEmail}" is not an email address`);
  const email = parsed.data;
  const hash = memberEmailHasher(config.encryptionKey)(email);
  const members: { orgSlug: string; id: string }[] = await sql`
    select o.slug as "orgSlug", m.id from members m join organisations o on o.id = m.org_id where m.email = ${email} order by o.slug`;
  return { query: `${searchAttributes.memberEmailHash.name} = "${hash}"`, workflowIds: members.map((m) => memberWorkflowId(m.orgSlug, m.id)) };
}

export function formatMemberWorkflowQuery({ query, workflowIds }: MemberWorkflowQuery, email: string): string {
  const found = workflowIds.length ? workflowIds.map((id) => `member workflow: ${id}`) : [`no member with ${email} in PostgreSQL (the query still finds a lifecycle of one removed since)`];
  return [query, ...found].join('\n');
}
