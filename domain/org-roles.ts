import type { MemberStatus, OrgRole } from './member.ts';

export interface OrgRoleChangeFacts {
  target: { orgRole: OrgRole; status: MemberStatus };
  newRole: OrgRole;
  /** Active org admins of the organisation, the target included when it is one. */
  activeAdmins: number;
}

/**
 * An organisation keeps at least one active org admin, or nobody could assign sites, invite or
 * promote again without the operator. A disabled admin does not count and may be demoted.
 */
export const removesLastActiveAdmin = ({ target, newRole, activeAdmins }: OrgRoleChangeFacts): boolean =>
  target.orgRole === 'org_admin' && target.status === 'active' && newRole !== 'org_admin' && activeAdmins <= 1;

/** Disabling an active org admin takes them out of the admin seats as a demotion would. */
export const disablesLastActiveAdmin = ({ target, activeAdmins }: Omit<OrgRoleChangeFacts, 'newRole'>): boolean =>
  removesLastActiveAdmin({ target, newRole: 'member', activeAdmins });
