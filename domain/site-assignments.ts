import type { SiteRole } from './member.ts';

export interface SiteGrant {
  siteId: string;
  role: SiteRole;
}

export interface SiteGrantDiff {
  added: SiteGrant[];
  removed: SiteGrant[];
  roleChanged: { siteId: string; from: SiteRole; to: SiteRole }[];
}

/** What turns the current assignments into the desired ones; empty lists when they are the same set. */
export function diffSiteGrants(current: readonly SiteGrant[], desired: readonly SiteGrant[]): SiteGrantDiff {
  const before = new Map(current.map((g) => [g.siteId, g.role]));
  const after = new Map(desired.map((g) => [g.siteId, g.role]));
  return {
    added: desired.filter((g) => !before.has(g.siteId)),
    removed: current.filter((g) => !after.has(g.siteId)),
    roleChanged: desired.flatMap((g) => {
      const from = before.get(g.siteId);
      return from !== undefined && from !== g.role ? [{ siteId: g.siteId, from, to: g.role }] : [];
    }),
  };
}

export const isEmptyDiff = (diff: SiteGrantDiff): boolean =>
  diff.added.length === 0 && diff.removed.length === 0 && diff.roleChanged.length === 0;

/** One assignment added or its role replaced, the others kept. */
export const withGrant = (current: readonly SiteGrant[], grant: SiteGrant): SiteGrant[] => [
  ...current.filter((g) => g.siteId !== grant.siteId),
  grant,
];

export const withoutSite = (current: readonly SiteGrant[], siteId: string): SiteGrant[] => current.filter((g) => g.siteId !== siteId);
