import type { OrgRole, SiteRole } from './member.ts';

/** The role a member acts with on one site: their assignment, or none. */
export interface SiteStanding {
  orgRole: OrgRole;
  /** The member's own assignment to the site, if any. */
  assignedRole: SiteRole | undefined;
}

/**
 * Org admins act as site admins on every site of their organisation without an assignment: they
 * can assign themselves any site anyway, so gating them would add steps, not safety.
 */
export const effectiveSiteRole = ({ orgRole, assignedRole }: SiteStanding): SiteRole | undefined =>
  orgRole === 'org_admin' ? 'site_admin' : assignedRole;

/** Site content (announcements, bookings, visitors) is for members with a role on that site. */
export const canReadSite = (standing: SiteStanding): boolean => effectiveSiteRole(standing) !== undefined;

/** Posting an announcement is a site admin's; a site member only reads. */
export const canPostAnnouncement = (standing: SiteStanding): boolean => effectiveSiteRole(standing) === 'site_admin';
