import type { MemberSource, OrgRole, SiteRole } from './member.ts';

/** How a member came to be, in the words an admin uses (never "jit"). */
export const sourceWords: Record<MemberSource, string> = {
  jit: 'Signed in through SSO',
  invitation: 'Invited',
  directory: 'From the directory',
  operator: 'Added by the operator',
};

export const orgRoleWords: Record<OrgRole, string> = { member: 'member', org_admin: 'org admin' };
export const siteRoleWords: Record<SiteRole, string> = { site_member: 'site member', site_admin: 'site admin' };

/** A member as the pages name them: their name, or their email when the IdP or directory gave none. */
export const displayName = (member: { name: string; email: string }) => member.name.trim() || member.email;
