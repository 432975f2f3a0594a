import { LastOrgAdminError, MemberNotFoundError } from '../domain/member-errors.ts';
import type { MemberStatus, OrgRole } from '../domain/member.ts';
import { removesLastActiveAdmin } from '../domain/org-roles.ts';
import { insertAuditEvent } from './audit.ts';
import type { Sql } from './client.ts';
import { queueAnnouncements, type PendingAnnouncement } from './site-access-outbox.ts';

export interface OrgRoleTarget {
  orgId: string;
  memberId: string;
  /** Who decides, for the audit log: `member:{id}` for an org admin, or `operator`. */
  actor: string;
}

export interface OrgRoleChange {
  changed: boolean;
  orgRole: OrgRole;
  previous: OrgRole;
  /** A member without sites started or stopped waiting for one: the announcement owed, queued with the change. */
  flip: PendingAnnouncement | undefined;
}

/**
 * Sets a member's org role, keeping at least one active org admin. Race-free: every call first
 * locks the organisation's active admin rows in id order, so of two admins demoting each other
 * concurrently the second sees the first already demoted and is refused.
 */
export function changeOrgRole(sql: Sql, { orgId, memberId, actor }: OrgRoleTarget, orgRole: OrgRole): Promise<OrgRoleChange> {
  return sql.begin(async (tx) => {
    const admins = await tx`
      select id from members where org_id = ${orgId} and org_role = 'org_admin' and status = 'active' order by id for update`;
    const [target]: [{ orgRole: OrgRole; status: MemberStatus; email: string }?] = await tx`
      select org_role as "orgRole", status, email from members where id = ${memberId} and org_id = ${orgId} for update`;
    if (!target) throw new MemberNotFoundError();
    const previous = target.orgRole;
    if (previous === orgRole) return { changed: false, orgRole, previous, flip: undefined };
    if (removesLastActiveAdmin({ target, newRole: orgRole, activeAdmins: admins.length })) throw new LastOrgAdminError();
    // A member without sites starts waiting when demoted (org admins reach every site), from now.
    const [{ hasSites }]: [{ hasSites: boolean }] = await tx`
      update members set org_role = ${orgRole}, updated_at = now(),
        site_access_pending_since = case when exists (select 1 from site_assignments a where a.member_id = members.id) then null else now() end
      where id = ${memberId}
      returning site_access_pending_since is null as "hasSites"`;
    await insertAuditEvent(tx, { orgId, memberId, actor, type: 'member.role_changed', data: { email: target.email, orgRole, previous } });
    const [flip] = hasSites ? [] : await queueAnnouncements(tx, orgId, [memberId]);
    return { changed: true, orgRole, previous, flip };
  });
}
