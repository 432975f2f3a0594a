/**
 * A member's site assignments: what site-access rules and an org admin's decisions say
 * (domain/site-rules.ts), kept in site_assignments, which every read uses.
 *
 * Every change of assignments goes through reconcileSiteAccess, which works the effective set out
 * again from the rules and decisions under the member's row lock and writes only the difference,
 * each change audited with where it comes from. Working it out from the truth makes every caller
 * idempotent: a retry, a duplicate or two callers at once find nothing left to do.
 *
 * A disabled member's assignments stay as they are (nothing here touches them); their re-enable
 * works them out again (activities/member-status.ts), so they come back with what the rules and
 * decisions say by then.
 */
import { MemberDisabledError, MemberNotFoundError, SiteNotFoundError } from '../domain/member-errors.ts';
import type { MemberStatus, SiteRole } from '../domain/member.ts';
import { diffSiteGrants, isEmptyDiff, type SiteGrant, type SiteGrantDiff } from '../domain/site-assignments.ts';
import {
  effectiveSites,
  grantDecision,
  handBackDecision,
  removeDecision,
  setDecisions,
  siteOutcomes,
  type DecisionChange,
  type RuleGrant,
  type SiteDecision,
  type SiteOutcome,
} from '../domain/site-rules.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';
import { queueAnnouncements, type PendingAnnouncement } from './site-access-outbox.ts';
import { retryingTransientConflicts } from './transient-conflicts.ts';

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

/**
 * A member whose site access began or ended (their wait for a site ended or began), with the
 * announcement it owes Temporal, queued in the change's transaction (db/site-access-outbox.ts).
 */
export interface SiteAccessFlip extends PendingAnnouncement {
  hadSites: boolean;
  hasSites: boolean;
}

export interface SiteAccessChange {
  changed: boolean;
  hadSites: boolean;
  hasSites: boolean;
  sites: MemberSite[];
  /** The announcement owed when site access began or ended. */
  flip: SiteAccessFlip | undefined;
}

export const memberSites = (sql: Queryable, memberId: string) => sql<MemberSite[]>`
  select s.id, s.name, a.site_role as role from site_assignments a join sites s on s.id = a.site_id
  where a.member_id = ${memberId} order by s.name, s.id`;

/** What the rules and the admins' decisions say about each site of each member named. */
export async function siteOutcomesOf(sql: Queryable, memberIds: readonly string[]): Promise<Map<string, SiteOutcome[]>> {
  const ids = [...memberIds];
  const grants: (RuleGrant & { memberId: string })[] = await sql`
    select gm.member_id as "memberId", r.site_id as "siteId", r.site_role as role, g.id as "groupId", g.display_name as "groupName"
    from directory_group_members gm
    join site_rules r on r.group_id = gm.group_id
    join directory_groups g on g.id = gm.group_id
    where gm.member_id = any(${ids}::uuid[])
    order by g.display_name, g.id`;
  const decisions: (SiteDecision & { memberId: string })[] = await sql`
    select member_id as "memberId", site_id as "siteId", kind, site_role as role, decided_by as by, decided_at as at
    from site_decisions where member_id = any(${ids}::uuid[])`;
  return new Map(
    ids.map((id) => [id, siteOutcomes(grants.filter((g) => g.memberId === id), decisions.filter((d) => d.memberId === id))]),
  );
}

/**
 * Brings the assignments of the named members of the organisation in line with the rules and
 * decisions, in the caller's transaction. Active members only (locked in id order, so two callers
 * over overlapping members queue instead of deadlocking); members of another organisation, unknown
 * or disabled ones are left as they are. Returns the members whose site access began or ended,
 * each owed an announcement queued here, so a crash after the commit loses none.
 */
export async function reconcileSiteAccess(
  tx: Queryable,
  orgId: string,
  memberIds: readonly string[],
  actor: string,
  /** What moved the members, kept in each audit event: `{ leftGroup }` for members who left a directory group. */
  cause: Record<string, unknown> = {},
): Promise<SiteAccessFlip[]> {
  if (memberIds.length === 0) return [];
  const active: { id: string }[] = await tx`
    select id from members where org_id = ${orgId} and id = any(${[...memberIds]}::uuid[]) and status = 'active'
    order by id for update`;
  const ids = active.map((m) => m.id);
  if (ids.length === 0) return [];
  const outcomes = await siteOutcomesOf(tx, ids);
  const current: (SiteGrant & { memberId: string })[] = await tx`
    select member_id as "memberId", site_id as "siteId", site_role as role from site_assignments where member_id = any(${ids}::uuid[])`;
  const flipped: string[] = [];
  // A flip either way: who has sites now had none before, and the other way round.
  const gained = new Set<string>();
  for (const memberId of ids) {
    const memberOutcomes = outcomes.get(memberId) ?? [];
    const before = current.filter((g) => g.memberId === memberId).map(({ siteId, role }) => ({ siteId, role }));
    const diff = diffSiteGrants(before, effectiveSites(memberOutcomes));
    if (isEmptyDiff(diff)) continue;
    await applyDiff(tx, { orgId, memberId, actor }, diff, memberOutcomes, cause);
    const hasSites = before.length + diff.added.length - diff.removed.length > 0;
    if (hasSites === before.length > 0) continue;
    flipped.push(memberId);
    if (hasSites) gained.add(memberId);
  }
  return (await queueAnnouncements(tx, orgId, flipped)).map((owed) => ({ ...owed, hadSites: !gained.has(owed.memberId), hasSites: gained.has(owed.memberId) }));
}

async function applyDiff(tx: Queryable, target: SiteAssignmentTarget, diff: SiteGrantDiff, outcomes: SiteOutcome[], cause: Record<string, unknown>) {
  const { orgId, memberId, actor } = target;
  const siteIds = [...diff.added, ...diff.removed, ...diff.roleChanged].map((g) => g.siteId);
  const names = new Map(
    (await tx<{ id: string; name: string }[]>`select id, name from sites where id = any(${siteIds}::uuid[])`).map((s) => [s.id, s.name]),
  );
  const bySite = new Map(outcomes.map((o) => [o.siteId, o]));
  // By site name, so the audit log reads the same whatever order the rules came in.
  const byName = <T extends { siteId: string }>(list: T[]) => [...list].sort((x, y) => (names.get(x.siteId) ?? '').localeCompare(names.get(y.siteId) ?? ''));
  const audit = (type: string, siteId: string, data: Record<string, unknown>) =>
    insertAuditEvent(tx, { orgId, memberId, actor, type, data: { siteId, siteName: names.get(siteId), ...source(bySite.get(siteId)), ...cause, ...data } });
  for (const { siteId, role } of byName(diff.removed)) {
    await tx`delete from site_assignments where member_id = ${memberId} and site_id = ${siteId}`;
    await audit('site_assignment.removed', siteId, { role });
  }
  for (const { siteId, from, to } of byName(diff.roleChanged)) {
    await tx`update site_assignments set site_role = ${to} where member_id = ${memberId} and site_id = ${siteId}`;
    await audit('site_assignment.role_changed', siteId, { from, to });
  }
  for (const { siteId, role } of byName(diff.added)) {
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

/**
 * Where a change comes from, for the audit log and the member's timeline: the groups whose rules
 * give the site (`groups`) when no decision stands, or, for an admin's removal, the groups it
 * overrides (`despiteGroups`).
 */
function source(outcome: SiteOutcome | undefined): Record<string, unknown> {
  if (!outcome || outcome.groups.length === 0) return {};
  const groups = outcome.groups.map((g) => g.name);
  if (!outcome.decision) return { groups };
  return outcome.decision.kind === 'removed' ? { despiteGroups: groups } : { overGroups: groups };
}

/** Replaces every assignment of the member with `grants`; the same set again changes nothing. */
export const setMemberSites = (sql: Sql, target: SiteAssignmentTarget, grants: readonly SiteGrant[]) =>
  decideSites(sql, target, grants.map((g) => g.siteId), (outcomes) => setDecisions(outcomes, grants));

/** Gives the member one site with a role (or changes the role), whatever the rules say, until handed back. */
export const assignSite = (sql: Sql, target: SiteAssignmentTarget, grant: SiteGrant) =>
  decideSites(sql, target, [grant.siteId], (outcomes) => grantDecision(find(outcomes, grant.siteId), grant.siteId, grant.role));

/** Takes one site away; while a rule gives it, the removal sticks until the site is handed back. */
export const unassignSite = (sql: Sql, target: SiteAssignmentTarget, siteId: string) =>
  decideSites(sql, target, [siteId], (outcomes) => removeDecision(find(outcomes, siteId), siteId));

/** Drops the admins' decision about one site: the rules decide it again. */
export const handBackSite = (sql: Sql, target: SiteAssignmentTarget, siteId: string) =>
  decideSites(sql, target, [siteId], (outcomes) => handBackDecision(find(outcomes, siteId), siteId));

const find = (outcomes: SiteOutcome[], siteId: string) => outcomes.find((o) => o.siteId === siteId);

/**
 * An admin's decisions about some sites of one member and their effect, in one transaction under
 * the member's row lock (so the decisions are taken against what is really there), run again if
 * PostgreSQL aborted it for a concurrent one.
 */
function decideSites(
  sql: Sql,
  target: SiteAssignmentTarget,
  namedSiteIds: readonly string[],
  decide: (outcomes: SiteOutcome[]) => DecisionChange[],
): Promise<SiteAccessChange> {
  return retryingTransientConflicts(() => sql.begin(async (tx) => {
    await lockActiveMember(tx, target);
    await refuseUnknownSites(tx, target.orgId, namedSiteIds);
    const before = await memberSites(tx, target.memberId);
    const changes = decide((await siteOutcomesOf(tx, [target.memberId])).get(target.memberId) ?? []);
    for (const change of changes) await writeDecision(tx, target, change);
    const [flip] = await reconcileSiteAccess(tx, target.orgId, [target.memberId], target.actor);
    const sites = await memberSites(tx, target.memberId);
    // A change of rules still queued for the member is applied here too: the answer says so.
    const changed = changes.length > 0 || JSON.stringify(sites) !== JSON.stringify(before);
    return { changed, hadSites: flip?.hadSites ?? before.length > 0, hasSites: flip?.hasSites ?? sites.length > 0, sites, flip };
  }) as Promise<SiteAccessChange>);
}

async function writeDecision(tx: Queryable, { orgId, memberId, actor }: SiteAssignmentTarget, change: DecisionChange) {
  if (change.kind === 'handed_back') {
    const dropped = await tx`delete from site_decisions where member_id = ${memberId} and site_id = ${change.siteId} returning kind`;
    if (dropped.length > 0) await insertAuditEvent(tx, { orgId, memberId, actor, type: 'site_decision.handed_back', data: { siteId: change.siteId, siteName: await siteName(tx, change.siteId) } });
    return;
  }
  const role = change.kind === 'granted' ? change.role : null;
  await tx`
    insert into site_decisions (org_id, member_id, site_id, kind, site_role, decided_by)
    values (${orgId}, ${memberId}, ${change.siteId}, ${change.kind}, ${role}, ${actor})
    on conflict (member_id, site_id) do update set kind = excluded.kind, site_role = excluded.site_role,
      decided_by = excluded.decided_by, decided_at = now()`;
}

async function siteName(tx: Queryable, siteId: string): Promise<string | undefined> {
  const [site]: [{ name: string }?] = await tx`select name from sites where id = ${siteId}`;
  return site?.name;
}

/** Assignments of a disabled member stay as they were, so a disabled member's site access never flips. */
async function lockActiveMember(tx: Queryable, { orgId, memberId }: SiteAssignmentTarget) {
  const [member]: [{ status: MemberStatus }?] = await tx`
    select status from members where id = ${memberId} and org_id = ${orgId} for update`;
  if (!member) throw new MemberNotFoundError();
  if (member.status === 'disabled') throw new MemberDisabledError();
}

/** A site of another organisation is refused as an unknown one. */
async function refuseUnknownSites(tx: Queryable, orgId: string, siteIds: readonly string[]) {
  if (siteIds.length === 0) return;
  const rows: { id: string }[] = await tx`select id from sites where org_id = ${orgId} and id = any(${[...siteIds]}::uuid[])`;
  const known = new Set(rows.map((r) => r.id));
  const unknown = siteIds.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new SiteNotFoundError([...new Set(unknown)]);
}

/** The site, if it belongs to the organisation; one of another organisation is absent, as unknown ones. */
export async function findOrgSite(sql: Queryable, orgId: string, siteId: string): Promise<{ id: string; name: string } | undefined> {
  const [site]: [{ id: string; name: string }?] = await sql`select id, name from sites where org_id = ${orgId} and id = ${siteId}`;
  return site;
}
