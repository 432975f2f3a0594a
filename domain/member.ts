export const orgRoles = ['member', 'org_admin'] as const;
export type OrgRole = (typeof orgRoles)[number];

export const memberStatuses = ['active', 'disabled'] as const;
export type MemberStatus = (typeof memberStatuses)[number];

export const memberSources = ['jit', 'invitation', 'directory', 'operator'] as const;
export type MemberSource = (typeof memberSources)[number];

/** How long an invitation stays acceptable, whoever issued it. */
export const INVITATION_DAYS = 14;

export const siteRoles = ['site_member', 'site_admin'] as const;
export type SiteRole = (typeof siteRoles)[number];

/** An organisation as workflow IDs and search attributes name it. */
export interface OrgRef {
  orgId: string;
  orgSlug: string;
}

/** What identifies a member everywhere, including in workflow IDs and search attributes. */
export interface MemberRef {
  orgId: string;
  orgSlug: string;
  memberId: string;
}
