import { insertAuditEvent } from '../db/audit.ts';
import type { Sql } from '../db/client.ts';

export interface IdentityReset {
  orgId: string;
  memberId: string;
  /** Who decided it, for the audit log: `member:{id}` (an org admin) or `operator`. */
  actor: string;
}

/**
 * Unlinks every sign-in identity of a member, so that their next sign-in on a verified domain links
 * by email again (a recreated IdP account). The member's sessions are revoked: they belonged to
 * the unlinked identities. The audit event keeps the unlinked (iss, sub) pairs. Returns undefined
 * when the member is not in the organisation. Repeating it unlinks nothing more.
 */
export async function resetIdentityLinks(sql: Sql, { orgId, memberId, actor }: IdentityReset): Promise<{ unlinked: number } | undefined> {
  return sql.begin(async (tx) => {
    const [member] = await tx`select 1 from members where id = ${memberId} and org_id = ${orgId} for update`;
    if (!member) return undefined;
    const removed = await tx<{ iss: string; sub: string }[]>`delete from identities where member_id = ${memberId} returning iss, sub`;
    await tx`update sessions set revoked_at = now() where member_id = ${memberId} and revoked_at is null`;
    await insertAuditEvent(tx, { orgId, memberId, actor, type: 'identity.reset', data: { unlinked: removed.map(({ iss, sub }) => ({ iss, sub })) } });
    return { unlinked: removed.length };
  });
}
