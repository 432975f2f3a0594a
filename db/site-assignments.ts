import { MemberDisabledError, MemberNotFoundError, SiteNotFoundError } from '../domain/member-errors.ts';
import type { MemberStatus, SiteRole } from '../domain/member.ts';
import { diffSiteGrants, isEmptyDiff, withGrant, withoutSite, type SiteGrant, type SiteGrantDiff } from '../domain/site-assignments.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';

export interface MemberSite {
  id: string;
  name: string;
  role: SiteRole;
}

/** Whose sites change, and who decides (`member:{id}` for an org admin, `operator`, `directory`), for the audit log. */
export interface SiteAssignmentTarget {
  orgId: string;
  memberId: string;
  actor: string;
}

export interface SiteAccessChange {
  changed: boolean;
  /** Site access before and after this change: when they differ, the member's wait began or ended. */
  hadSites: boolean;
  hasSites: boolean;
  sites: MemberSite[];
}

export const memberSites = (sql: Queryable, memberId: string) => sql<MemberSite[]>`
  select s.id, s.name, a.site_role as role from site_assignments a join sites s on s.id = a.site_id
  where a.member_id = ${memberId} order by s.name, s.id`;

/** Replaces every assignment of the member with `grants`; the same set again changes nothing. */
export const setMemberSites = (sql: Sql, target: SiteAssignmentTarget, grants: readonly SiteGrant[]) =>
  changeSites(sql, target, grants.map((g) => g.siteId), () => grants.reduce<SiteGrant[]>((set, g) => withGrant(set, g), []));

/** Adds one assignment, or replaces the role of an existing one. */
export const assignSite = (sql: Sql, target: SiteAssignmentTarget, grant: SiteGrant) =>
  changeSites(sql, target, [grant.siteId], (current) => withGrant(current, grant));

/** Removes one assignment; a site of the organisation the member is not assigned to changes nothing. */
export const unassignSite = (sql: Sql, target: SiteAssignmentTarget, siteId: string) =>
  changeSites(sql, target, [siteId], (current) => withoutSite(current, siteId));

/**
 * The member's row lock serialises every change of their assignments, so the diff is taken against
 * what is really there, and `site_access_pending_since` follows in the same transaction.
 */
function changeSites(
  sql: Sql,
  target: SiteAssignmentTarget,
  namedSiteIds: readonly string[],
  desired: (current: SiteGrant[]) => SiteGrant[],
): Promise<SiteAccessChange> {
  return sql.begin(async (tx) => {
    await lockActiveMember(tx, target);
    const current = await tx<SiteGrant[]>`
      select site_id as "siteId", site_role as role from site_assignments where member_id = ${target.memberId}`;
    const names = await siteNames(tx, target.orgId, [...namedSiteIds, ...current.map((g) => g.siteId)]);
    const unknown = namedSiteIds.filter((id) => !names.has(id));
    if (unknown.length > 0) throw new SiteNotFoundError([...new Set(unknown)]);
    const diff = diffSiteGrants(current, desired(current));
    const changed = !isEmptyDiff(diff);
    if (changed) await applyDiff(tx, target, diff, names);
    const sites = await memberSites(tx, target.memberId);
    return { changed, hadSites: current.length > 0, hasSites: sites.length > 0, sites };
  });
}

/** Assignments of a disabled member stay as they were, so a disabled member's site access never flips. */
async function lockActiveMember(tx: Queryable, { orgId, memberId }: SiteAssignmentTarget) {
  const [member]: [{ status: MemberStatus }?] = await tx`
    select status from members where id = ${memberId} and org_id = ${orgId} for update`;
  if (!member) throw new MemberNotFoundError();
  if (member.status === 'disabled') throw new MemberDisabledError();
}

/** Names of the given sites that belong to the organisation; a site of another organisation is absent. */
async function siteNames(tx: Queryable, orgId: string, siteIds: string[]): Promise<Map<string, string>> {
  const rows = await tx<{ id: string; name: string }[]>`
    select id, name from sites where org_id = ${orgId} and id = any(${siteIds}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r.name]));
}

async function applyDiff(tx: Queryable, target: SiteAssignmentTarget, diff: SiteGrantDiff, names: Map<string, string>) {
  const { orgId, memberId, actor } = target;
  const audit = (type: string, siteId: string, data: Record<string, unknown>) =>
    insertAuditEvent(tx, { orgId, memberId, actor, type, data: { siteId, siteName: names.get(siteId), ...data } });
  for (const { siteId, role } of diff.removed) {
    await tx`delete from site_assignments where member_id = ${memberId} and site_id = ${siteId}`;
    await audit('site_assignment.removed', siteId, { role });
  }
  for (const { siteId, from, to } of diff.roleChanged) {
    await tx`update site_assignments set site_role = ${to} where member_id = ${memberId} and site_id = ${siteId}`;
    await audit('site_assignment.role_changed', siteId, { from, to });
  }
  for (const { siteId, role } of diff.added) {
    await tx`insert into site_assignments (org_id, member_id, site_id, site_role) values (${orgId}, ${memberId}, ${siteId}, ${role})`;
    await audit('site_assignment.added', siteId, { role });
  }
  // Waiting starts again when the last site goes, and keeps its first moment while no site comes.
  await tx`
    update members set site_access_pending_since = case
      when exists (select 1 from site_assignments where member_id = ${memberId}) then null
      else coalesce(site_access_pending_since, now()) end
    where id = ${memberId}`;
}

/** The site, if it belongs to the organisation; one of another organisation is absent, as unknown ones. */
export async function findOrgSite(sql: Queryable, orgId: string, siteId: string): Promise<{ id: string; name: string } | undefined> {
  const [name] = (await siteNames(sql, orgId, [siteId])).values();
  return name === undefined ? undefined : { id: siteId, name };
}
