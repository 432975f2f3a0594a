import { describe, expect, it } from 'vitest';
import { removesLastActiveAdmin } from '../domain/org-roles.ts';
import { canPostAnnouncement, canReadSite, effectiveSiteRole } from '../domain/site-access.ts';
import { diffSiteGrants, isEmptyDiff, withGrant, withoutSite } from '../domain/site-assignments.ts';

describe('who may read and post on a site', () => {
  it('effectiveSiteRole: the assignment for members, site admin everywhere for org admins', () => {
    expect(effectiveSiteRole({ orgRole: 'member', assignedRole: undefined })).toBeUndefined();
    expect(effectiveSiteRole({ orgRole: 'member', assignedRole: 'site_member' })).toBe('site_member');
    expect(effectiveSiteRole({ orgRole: 'org_admin', assignedRole: undefined })).toBe('site_admin');
    expect(effectiveSiteRole({ orgRole: 'org_admin', assignedRole: 'site_member' })).toBe('site_admin');
  });

  it('canReadSite: any role on the site, none without an assignment', () => {
    expect(canReadSite({ orgRole: 'member', assignedRole: undefined })).toBe(false);
    expect(canReadSite({ orgRole: 'member', assignedRole: 'site_member' })).toBe(true);
    expect(canReadSite({ orgRole: 'org_admin', assignedRole: undefined })).toBe(true);
  });

  it('canPostAnnouncement: site admins (and org admins), never site members', () => {
    expect(canPostAnnouncement({ orgRole: 'member', assignedRole: 'site_member' })).toBe(false);
    expect(canPostAnnouncement({ orgRole: 'member', assignedRole: 'site_admin' })).toBe(true);
    expect(canPostAnnouncement({ orgRole: 'org_admin', assignedRole: undefined })).toBe(true);
  });
});

describe('site assignment sets', () => {
  const a = { siteId: 'a', role: 'site_member' } as const;
  const b = { siteId: 'b', role: 'site_admin' } as const;

  it('diffSiteGrants: the same set in any order is no change', () => {
    expect(isEmptyDiff(diffSiteGrants([a, b], [b, a]))).toBe(true);
  });

  it('diffSiteGrants: names what is added, removed and given another role', () => {
    expect(diffSiteGrants([a], [{ siteId: 'a', role: 'site_admin' }, b])).toEqual({
      added: [b],
      removed: [],
      roleChanged: [{ siteId: 'a', from: 'site_member', to: 'site_admin' }],
    });
    expect(diffSiteGrants([a, b], [])).toEqual({ added: [], removed: [a, b], roleChanged: [] });
  });

  it('withGrant adds or replaces one site; withoutSite removes one', () => {
    expect(withGrant([a], b)).toEqual([a, b]);
    expect(withGrant([a, b], { siteId: 'a', role: 'site_admin' })).toEqual([b, { siteId: 'a', role: 'site_admin' }]);
    expect(withoutSite([a, b], 'a')).toEqual([b]);
    expect(withoutSite([a], 'c')).toEqual([a]);
  });
});

describe('the last active org admin', () => {
  const activeAdmin = { orgRole: 'org_admin', status: 'active' } as const;

  it('removesLastActiveAdmin: demoting the only active admin', () => {
    expect(removesLastActiveAdmin({ target: activeAdmin, newRole: 'member', activeAdmins: 1 })).toBe(true);
    expect(removesLastActiveAdmin({ target: activeAdmin, newRole: 'member', activeAdmins: 2 })).toBe(false);
  });

  it('removesLastActiveAdmin: never for a disabled admin, a member, or a role kept', () => {
    expect(removesLastActiveAdmin({ target: { orgRole: 'org_admin', status: 'disabled' }, newRole: 'member', activeAdmins: 1 })).toBe(false);
    expect(removesLastActiveAdmin({ target: { orgRole: 'member', status: 'active' }, newRole: 'org_admin', activeAdmins: 1 })).toBe(false);
    expect(removesLastActiveAdmin({ target: activeAdmin, newRole: 'org_admin', activeAdmins: 1 })).toBe(false);
  });
});
