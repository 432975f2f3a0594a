/**
 * Site-access rules of an organisation ("members of directory group G get site S with site role R")
 * and the queue of members whose assignments a change of rules reaches.
 *
 * A rule created or deleted, or a group deleted, can reach ten thousand members: the change and the
 * queue rows of every member it reaches commit together (one INSERT ... SELECT), and the members are
 * worked out again in batches by drainSiteAccessQueue (activities/site-access.ts), so the admin's
 * request answers at once and nothing is lost if a process stops half way.
 */
import type { SiteRole } from '../domain/member.ts';
import { DirectoryGroupNotFoundError, SiteNotFoundError, SiteRuleExistsError, SiteRuleNotFoundError } from '../domain/member-errors.ts';
import { insertAuditEvent } from './audit.ts';
import { isUniqueViolation, type Queryable, type Sql } from './client.ts';
import { reconcileSiteAccess, type SiteAccessFlip } from './site-assignments.ts';
import { retryingTransientConflicts } from './transient-conflicts.ts';

export interface SiteRule {
  id: string;
  group: { id: string; name: string; memberCount: number };
  site: { id: string; name: string };
  role: SiteRole;
  createdBy: string;
  createdAt: Date;
}

export interface RuleChange {
  rule: SiteRule;
  /** Members whose assignments will be worked out again. */
  queued: number;
}

const ruleRows = (sql: Queryable, orgId: string, ruleId?: string) => sql<(Omit<SiteRule, 'group' | 'site'> & { groupId: string; groupName: string; memberCount: number; siteId: string; siteName: string })[]>`
  select r.id, r.site_role as role, r.created_by as "createdBy", r.created_at as "createdAt",
    g.id as "groupId", g.display_name as "groupName", s.id as "siteId", s.name as "siteName",
    (select count(*)::int from directory_group_members gm where gm.group_id = g.id) as "memberCount"
  from site_rules r join directory_groups g on g.id = r.group_id join sites s on s.id = r.site_id
  where r.org_id = ${orgId} ${ruleId ? sql`and r.id = ${ruleId}` : sql``}
  order by g.display_name, s.name, r.id`;

const rules = async (sql: Queryable, orgId: string, ruleId?: string): Promise<SiteRule[]> =>
  (await ruleRows(sql, orgId, ruleId)).map(({ groupId, groupName, memberCount, siteId, siteName, ...rule }) => ({
    ...rule,
    group: { id: groupId, name: groupName, memberCount },
    site: { id: siteId, name: siteName },
  }));

/** Every rule of the organisation, by group and site name. */
export const listSiteRules = (sql: Queryable, orgId: string): Promise<SiteRule[]> => rules(sql, orgId);

/** One rule of the organisation; a rule of another organisation is absent, as unknown ones. */
export const findSiteRule = async (sql: Queryable, orgId: string, ruleId: string): Promise<SiteRule | undefined> => (await rules(sql, orgId, ruleId))[0];

/** The organisation's directory groups, for choosing one in a rule. */
export const listDirectoryGroups = (sql: Queryable, orgId: string) => sql<{ id: string; name: string; memberCount: number }[]>`
  select g.id, g.display_name as name, (select count(*)::int from directory_group_members gm where gm.group_id = g.id) as "memberCount"
  from directory_groups g where g.org_id = ${orgId} order by lower(g.display_name), g.id`;

/**
 * Rule changes and the group's membership changes (db/directory-groups.ts, which locks the group's
 * row FOR UPDATE) are serialised on the group's row: rule changes take it FOR KEY SHARE. Without
 * that, a member joining while a rule is created would be missed by both: the join would not see
 * the uncommitted rule, the rule's queue would not see the uncommitted join.
 *
 * A new rule: its group's members are queued and get the site in the next batches. Refused with a
 * 404 for a group or site that is not the organisation's, and a 409 when the group already has a
 * rule for the site (delete it to change its role).
 */
export async function createSiteRule(
  sql: Sql,
  { orgId, groupId, siteId, role, actor }: { orgId: string; groupId: string; siteId: string; role: SiteRole; actor: string },
): Promise<RuleChange> {
  const created = await retryingTransientConflicts(() => sql.begin(async (tx) => {
    const [group]: [{ name: string }?] = await tx`select display_name as name from directory_groups where id = ${groupId} and org_id = ${orgId} for key share`;
    if (!group) throw new DirectoryGroupNotFoundError();
    const [site]: [{ name: string }?] = await tx`select name from sites where id = ${siteId} and org_id = ${orgId} for key share`;
    if (!site) throw new SiteNotFoundError([siteId]);
    const [rule]: [{ id: string }] = await tx`
      insert into site_rules (org_id, group_id, site_id, site_role, created_by) values (${orgId}, ${groupId}, ${siteId}, ${role}, ${actor})
      returning id`;
    const queued = await queueGroupMembers(tx, orgId, groupId);
    await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'site_rule.created', data: { ruleId: rule.id, groupId, groupName: group.name, siteId, siteName: site.name, role, queued } });
    return { id: rule.id, queued };
  }) as Promise<{ id: string; queued: number }>).catch((err: unknown) => {
    if (isUniqueViolation(err)) throw new SiteRuleExistsError();
    throw err;
  });
  const rule = await findSiteRule(sql, orgId, created.id);
  if (!rule) throw new SiteRuleNotFoundError();
  return { rule, queued: created.queued };
}

/** Deletes a rule: its group's members are queued and lose what the rule alone gave in the next batches. */
export async function deleteSiteRule(sql: Sql, { orgId, ruleId, actor }: { orgId: string; ruleId: string; actor: string }): Promise<RuleChange> {
  const rule = await findSiteRule(sql, orgId, ruleId);
  if (!rule) throw new SiteRuleNotFoundError();
  const queued = await retryingTransientConflicts(() => sql.begin(async (tx) => {
    // As createSiteRule: a membership change of the group (which holds its row) commits first, so its new members are queued too.
    await tx`select 1 from directory_groups where id = ${rule.group.id} for key share`;
    const deleted = await tx`delete from site_rules where id = ${ruleId} and org_id = ${orgId} returning group_id`;
    if (deleted.length === 0) throw new SiteRuleNotFoundError();
    const queued = await queueGroupMembers(tx, orgId, rule.group.id);
    await insertAuditEvent(tx, {
      orgId, memberId: null, actor, type: 'site_rule.deleted',
      data: { ruleId, groupId: rule.group.id, groupName: rule.group.name, siteId: rule.site.id, siteName: rule.site.name, role: rule.role, queued },
    });
    return queued;
  }) as Promise<number>);
  return { rule, queued };
}

/**
 * Queues every member of the group (once: a member queued already keeps their place), and counts
 * them all. A member queued already may be in a drain's batch, its rules read before this change:
 * their row is locked here until that batch commits and dequeues them, and they are queued again,
 * so the change is not lost. The rows are locked from the end of the queue that drains reach last,
 * so this meets the drains once (waiting for the batches they hold at that moment) instead of
 * again at every batch they take; the rows it holds are skipped by drains and left to the run
 * this change starts.
 */
export async function queueGroupMembers(tx: Queryable, orgId: string, groupId: string): Promise<number> {
  await tx`
    select 1 from site_access_queue
    where member_id in (select member_id from directory_group_members where group_id = ${groupId} and org_id = ${orgId})
    order by queued_at desc, member_id desc for update`;
  const rows = await tx`
    insert into site_access_queue (org_id, member_id)
    select org_id, member_id from directory_group_members where group_id = ${groupId} and org_id = ${orgId} order by member_id
    on conflict (member_id) do update set queued_at = site_access_queue.queued_at returning member_id`;
  return rows.length;
}

export interface DrainedBatch {
  /** Queue rows taken, whether anything changed for them or not. */
  taken: number;
  /** Each owed an announcement, queued in the batch's transaction. */
  flips: SiteAccessFlip[];
}

/**
 * Works out the assignments of up to `limit` queued members (of one organisation, or of any) and
 * takes them off the queue, in one transaction. Rows another drain holds are skipped, so drains run
 * side by side without doing the same work; a crash rolls the batch back and leaves it queued.
 */
export async function drainSiteAccessQueue(sql: Sql, { orgId, limit }: { orgId?: string | undefined; limit: number }): Promise<DrainedBatch> {
  return retryingTransientConflicts(() => sql.begin(async (tx) => {
    const rows: { orgId: string; memberId: string }[] = await tx`
      select org_id as "orgId", member_id as "memberId" from site_access_queue
      ${orgId ? tx`where org_id = ${orgId}` : tx``}
      order by queued_at, member_id limit ${limit} for update skip locked`;
    const flips: DrainedBatch['flips'] = [];
    for (const org of new Set(rows.map((r) => r.orgId))) {
      const memberIds = rows.filter((r) => r.orgId === org).map((r) => r.memberId);
      flips.push(...(await reconcileSiteAccess(tx, org, memberIds, 'system:site-rules')));
    }
    if (rows.length > 0) await tx`delete from site_access_queue where member_id = any(${rows.map((r) => r.memberId)}::uuid[])`;
    return { taken: rows.length, flips };
  }) as Promise<DrainedBatch>);
}
