/**
 * SCIM Groups of an organisation's directory and their members, and the site access that follows
 * from them through site-access rules (db/site-rules.ts). Each write is one transaction that locks the group's row
 * first, so two PATCHes of one group queue in arrival order instead of interleaving, and writes its
 * audit event in the same transaction.
 *
 * Idempotency: adding a member who is in the group, or removing one who is not, changes nothing and
 * writes no audit event, so a directory's retried or repeated request is harmless. A member id that
 * is not a User of the token's organisation refuses the whole request (400), and nothing is written.
 *
 * Locks: the group row, then, when the group has rules, every member the request adds FOR UPDATE
 * in id order (before the membership's foreign key takes its KEY SHARE lock on them), then the
 * changed members FOR UPDATE in id order to work out their sites in the same transaction
 * (db/site-assignments.ts). User writes lock a member FOR UPDATE and never touch a group. Two
 * group writes over the same members may still meet in a deadlock (one removing members the other
 * locks later), which PostgreSQL breaks by aborting one; it is run again (writeTransaction).
 */
import { invalidValue, ScimError, uniqueness } from '../domain/scim/errors.ts';
import type { Filter } from '../domain/scim/filter.ts';
import type { GroupChange, GroupResource } from '../domain/scim/group.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';
import { groupFilterToSql } from './directory-filter.ts';
import type { DirectoryActor } from './directory-users.ts';
import { queueGroupMembers } from './site-rules.ts';
import { reconcileSiteAccess, type SiteAccessFlip } from './site-assignments.ts';
import { scimWriteTransaction } from './scim-write.ts';

export interface GroupMember {
  /** The SCIM id of the member's User. */
  value: string;
  display: string;
}

export interface StoredGroup {
  id: string;
  displayName: string;
  externalId: string | null;
  created: Date;
  lastModified: Date;
  /** Undefined when the request excluded them (`excludedAttributes=members`): they are not read at all. */
  members?: GroupMember[];
}

type GroupRow = Omit<StoredGroup, 'members'>;

const groupColumns = (sql: Queryable) =>
  sql`g.id, g.display_name as "displayName", g.external_id as "externalId", g.created_at as created, g.updated_at as "lastModified"`;

/** Resource ids are UUIDs (any case); anything else names no resource, and is answered without a query. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const resourceId = (id: string) => (UUID.test(id) ? id.toLowerCase() : undefined);

export const groupNotFound = (id: string) => new ScimError(404, `No Group with id "${id.slice(0, 64)}" in this directory.`);

const audit = (tx: Queryable, actor: DirectoryActor, type: string, data: Record<string, unknown>) =>
  insertAuditEvent(tx, { orgId: actor.orgId, memberId: null, actor: `scim:${actor.tokenId}`, type, data });

/**
 * Members are shown while their User is live; a deleted User's membership stays stored (the
 * directory's word, kept) but has no resource id to show until the directory creates them again.
 */
async function membersOf(sql: Queryable, groupIds: string[]): Promise<Map<string, GroupMember[]>> {
  const rows: (GroupMember & { groupId: string })[] = groupIds.length === 0 ? [] : await sql`
    select gm.group_id as "groupId", l.scim_id::text as value, l.user_name::text as display
    from directory_group_members gm join directory_links l on l.member_id = gm.member_id and l.deleted_at is null
    where gm.group_id = any(${groupIds}::uuid[]) order by gm.added_at, l.scim_id`;
  const byGroup = new Map<string, GroupMember[]>(groupIds.map((id) => [id, []]));
  for (const { groupId, ...member } of rows) byGroup.get(groupId)?.push(member);
  return byGroup;
}

/**
 * The member ids behind User ids, all of them Users of this organisation, or a 400 naming the first
 * that is not. Adding takes live Users only; removing also takes a User the directory deleted (Entra
 * deletes a user, then removes them from their groups: that removal is the directory's word too).
 */
async function resolveMembers(tx: Queryable, orgId: string, scimIds: readonly string[], { deletedToo = false } = {}): Promise<string[]> {
  if (scimIds.length === 0) return [];
  const malformed = scimIds.find((id) => !resourceId(id));
  if (malformed) throw invalidValue(`"${malformed.slice(0, 64)}" is not the id of a User of this directory.`);
  const ids = scimIds.map((id) => id.toLowerCase());
  const rows: { scimId: string; memberId: string }[] = await tx`
    select scim_id::text as "scimId", member_id as "memberId" from directory_links
    where org_id = ${orgId} and (deleted_at is null or ${deletedToo}) and scim_id = any(${ids}::uuid[])`;
  const found = new Map(rows.map((r) => [r.scimId, r.memberId]));
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length > 0) {
    throw invalidValue(`${unknown.length} member id${unknown.length > 1 ? 's are' : ' is'} not a User of this directory (first: "${unknown[0]}"); nothing was changed.`);
  }
  return [...new Set(ids.flatMap((id) => found.get(id) ?? []))];
}

/** One Group write in one transaction (db/scim-write.ts). */
const writeTransaction = <T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> =>
  scimWriteTransaction(sql, 'Group', 'A Group with this displayName or externalId already exists in this directory.', work);

/** displayName (case-insensitive) and externalId are unique among the organisation's groups. */
async function checkUnique(tx: Queryable, orgId: string, group: Pick<GroupResource, 'displayName' | 'externalId'>, except?: string): Promise<void> {
  const [taken]: [{ displayName: string }?] = await tx`
    select display_name as "displayName" from directory_groups
    where org_id = ${orgId} and id is distinct from ${except ?? null}
      and (lower(display_name) = lower(${group.displayName}) or external_id = ${group.externalId})
    limit 1`;
  if (!taken) return;
  const which = taken.displayName.toLowerCase() === group.displayName.toLowerCase() ? `displayName "${group.displayName}"` : `externalId "${group.externalId}"`;
  throw uniqueness(`A Group with ${which.slice(0, 300)} already exists in this directory.`);
}

async function addMembers(tx: Queryable, orgId: string, groupId: string, memberIds: string[]): Promise<string[]> {
  if (memberIds.length === 0) return [];
  const rows: { memberId: string }[] = await tx`
    insert into directory_group_members (org_id, group_id, member_id)
    select ${orgId}, ${groupId}, m from unnest(${memberIds}::uuid[]) with ordinality as x(m, n) order by n
    on conflict do nothing returning member_id as "memberId"`;
  return rows.map((r) => r.memberId);
}

async function removeMembers(tx: Queryable, groupId: string, memberIds: string[] | 'all'): Promise<string[]> {
  const rows: { memberId: string }[] = await tx`
    delete from directory_group_members where group_id = ${groupId}
      ${memberIds === 'all' ? tx`` : tx`and member_id = any(${memberIds}::uuid[])`}
    returning member_id as "memberId"`;
  return rows.map((r) => r.memberId);
}

/** Replaces the live Users' memberships; those of deleted Users are not the directory's to list, and stay. */
async function replaceMembers(tx: Queryable, orgId: string, groupId: string, memberIds: string[]) {
  const rows: { memberId: string }[] = await tx`
    delete from directory_group_members gm using directory_links l
    where gm.group_id = ${groupId} and l.member_id = gm.member_id and l.deleted_at is null and gm.member_id <> all(${memberIds}::uuid[])
    returning gm.member_id as "memberId"`;
  return { removed: rows.map((r) => r.memberId), added: await addMembers(tx, orgId, groupId, memberIds) };
}

const readGroup = async (tx: Queryable, id: string, members = true): Promise<StoredGroup> => {
  const [row]: [GroupRow] = await tx`select ${groupColumns(tx)} from directory_groups g where g.id = ${id}`;
  return members ? { ...row, members: (await membersOf(tx, [id])).get(id) ?? [] } : row;
};

/** POST /Groups. Not idempotent by design: a repeated create is a 409 (RFC 7644 §3.3), as for Users. */
export function createDirectoryGroup(sql: Sql, actor: DirectoryActor, group: GroupResource): Promise<StoredGroup> {
  return writeTransaction(sql, async (tx) => {
    await checkUnique(tx, actor.orgId, group);
    const memberIds = await resolveMembers(tx, actor.orgId, group.members);
    const [{ id }]: [{ id: string }] = await tx`
      insert into directory_groups (org_id, display_name, external_id) values (${actor.orgId}, ${group.displayName}, ${group.externalId}) returning id`;
    const added = await addMembers(tx, actor.orgId, id, memberIds);
    await audit(tx, actor, 'directory.group_created', { groupId: id, displayName: group.displayName, externalId: group.externalId, added });
    return readGroup(tx, id);
  });
}

/** The group under its row lock, or a 404 for an id of no group of this organisation. */
async function lockGroup(tx: Queryable, orgId: string, id: string): Promise<GroupRow> {
  const groupId = resourceId(id);
  const [row]: [GroupRow?] = groupId ? await tx`select ${groupColumns(tx)} from directory_groups g where g.org_id = ${orgId} and g.id = ${groupId} for update` : [];
  if (!row) throw groupNotFound(id);
  return row;
}

interface Changed {
  displayName?: { from: string; to: string };
  externalId?: { from: string | null; to: string | null };
  added: string[];
  removed: string[];
}

/**
 * Name, externalId and memberships as changes, applied in order; an audit event only if something
 * changed. Returns the members who joined and those who left.
 */
async function applyChanges(tx: Queryable, actor: DirectoryActor, group: GroupRow, changes: readonly GroupChange[]): Promise<{ added: string[]; removed: string[] }> {
  const changed: Changed = { added: [], removed: [] };
  const memberChange = (added: string[], removed: string[]) => {
    // Added then removed in one request (or the reverse) is no change at all.
    const before = { added: changed.added, removed: changed.removed };
    changed.added = [...before.added.filter((m) => !removed.includes(m)), ...added.filter((m) => !before.removed.includes(m))];
    changed.removed = [...before.removed.filter((m) => !added.includes(m)), ...removed.filter((m) => !before.added.includes(m))];
  };
  let { displayName, externalId } = group;
  for (const change of changes) {
    switch (change.kind) {
      case 'displayName':
        displayName = change.displayName;
        break;
      case 'externalId':
        externalId = change.externalId;
        break;
      case 'addMembers':
        memberChange(await addMembers(tx, actor.orgId, group.id, await resolveMembers(tx, actor.orgId, change.ids)), []);
        break;
      case 'removeMembers':
        memberChange([], await removeMembers(tx, group.id, await resolveMembers(tx, actor.orgId, change.ids, { deletedToo: true })));
        break;
      case 'removeAllMembers':
        memberChange([], await removeMembers(tx, group.id, 'all'));
        break;
      case 'replaceMembers': {
        const { added, removed } = await replaceMembers(tx, actor.orgId, group.id, await resolveMembers(tx, actor.orgId, change.ids));
        memberChange(added, removed);
        break;
      }
      default: {
        const _exhaustive: never = change;
        throw new Error(`unknown group change ${JSON.stringify(_exhaustive)}`);
      }
    }
  }
  if (displayName !== group.displayName) changed.displayName = { from: group.displayName, to: displayName };
  if (externalId !== group.externalId) changed.externalId = { from: group.externalId, to: externalId };
  if (changed.displayName || changed.externalId) await checkUnique(tx, actor.orgId, { displayName, externalId }, group.id);
  if (!changed.displayName && !changed.externalId && changed.added.length === 0 && changed.removed.length === 0) return { added: [], removed: [] };
  await tx`update directory_groups set display_name = ${displayName}, external_id = ${externalId}, updated_at = now() where id = ${group.id}`;
  await audit(tx, actor, 'directory.group_updated', { groupId: group.id, displayName, ...changed });
  return { added: changed.added, removed: changed.removed };
}

/**
 * The group has rules, so the sites of the members who join or leave are worked out in this
 * transaction under their row locks: those of every member the request may move are taken first,
 * in id order (joiners, leavers named, and the current members when the request removes all or
 * replaces the list). The memberships' foreign keys would otherwise take KEY SHARE locks that
 * another group's write also holds, and each would then wait for the other to give them up before
 * it could lock the member (a deadlock every time two groups with rules take the same users at once).
 */
async function lockMovingMembers(tx: Queryable, orgId: string, groupId: string, changes: readonly GroupChange[]) {
  const joining = await resolveMembers(tx, orgId, changes.flatMap((c) => (c.kind === 'addMembers' || c.kind === 'replaceMembers' ? c.ids : [])));
  const leaving = await resolveMembers(tx, orgId, changes.flatMap((c) => (c.kind === 'removeMembers' ? c.ids : [])), { deletedToo: true });
  const current = changes.some((c) => c.kind === 'removeAllMembers' || c.kind === 'replaceMembers')
    ? (await tx<{ memberId: string }[]>`select member_id as "memberId" from directory_group_members where group_id = ${groupId}`).map((r) => r.memberId)
    : [];
  const moving = [...new Set([...joining, ...leaving, ...current])];
  if (moving.length > 0) await tx`select 1 from members where id = any(${moving}::uuid[]) order by id for update`;
}

const hasRules = async (tx: Queryable, groupId: string) => (await tx`select 1 from site_rules where group_id = ${groupId} limit 1`).length > 0;

/** A group write, and the members whose site access began or ended with it (to tell Temporal after the commit). */
export interface GroupWrite {
  group: StoredGroup;
  flips: SiteAccessFlip[];
}

/** PATCH /Groups/{id}: the operations in order, all or nothing; `members: false` answers without reading them. */
export function patchDirectoryGroup(
  sql: Sql,
  actor: DirectoryActor,
  id: string,
  changes: (group: GroupRow) => GroupChange[],
  { members = true }: { members?: boolean } = {},
): Promise<GroupWrite> {
  return writeTransaction(sql, async (tx) => {
    const group = await lockGroup(tx, actor.orgId, id);
    // Rules of the group are created and deleted under its row's lock, which this write holds.
    const ruled = await hasRules(tx, group.id);
    const list = changes(group);
    if (ruled) await lockMovingMembers(tx, actor.orgId, group.id, list);
    const { added, removed } = await applyChanges(tx, actor, group, list);
    const written = await readGroup(tx, group.id, members);
    if (!ruled) return { group: written, flips: [] };
    // Joining grants the rules' sites at once, leaving takes away what no other rule or decision gives.
    const by = `scim:${actor.tokenId}`;
    const flips = [
      ...(await reconcileSiteAccess(tx, actor.orgId, added, by)),
      ...(await reconcileSiteAccess(tx, actor.orgId, removed, by, { leftGroup: written.displayName })),
    ];
    return { group: written, flips };
  });
}

/** PUT /Groups/{id}: the whole group as sent (Okta sends the full member list). */
export function replaceDirectoryGroup(sql: Sql, actor: DirectoryActor, id: string, group: GroupResource): Promise<GroupWrite> {
  return patchDirectoryGroup(sql, actor, id, () => [
    { kind: 'displayName', displayName: group.displayName },
    { kind: 'externalId', externalId: group.externalId },
    { kind: 'replaceMembers', ids: group.members },
  ]);
}

/**
 * DELETE /Groups/{id}: the group, its memberships and its rules go; the audit log keeps who was in
 * it and, as a rule deleted by an admin is, each rule that went with it. Its members are queued
 * when it had rules, to lose what those alone gave; returns how many.
 */
export function deleteDirectoryGroup(sql: Sql, actor: DirectoryActor, id: string): Promise<{ queued: number }> {
  return writeTransaction(sql, async (tx) => {
    const group = await lockGroup(tx, actor.orgId, id);
    const queued = (await hasRules(tx, group.id)) ? await queueGroupMembers(tx, actor.orgId, group.id) : 0;
    const rules: { ruleId: string; siteId: string; siteName: string; role: string }[] = await tx`
      delete from site_rules r using sites s where r.group_id = ${group.id} and s.id = r.site_id
      returning r.id as "ruleId", r.site_id as "siteId", s.name as "siteName", r.site_role as role`;
    for (const rule of rules) {
      await audit(tx, actor, 'site_rule.deleted', { ...rule, groupId: group.id, groupName: group.displayName, queued, groupDeleted: true });
    }
    const removed = await removeMembers(tx, group.id, 'all');
    await tx`delete from directory_groups where id = ${group.id}`;
    await audit(tx, actor, 'directory.group_deleted', { groupId: group.id, displayName: group.displayName, externalId: group.externalId, removed });
    return { queued };
  });
}

export async function findDirectoryGroup(sql: Sql, orgId: string, id: string, { members }: { members: boolean }): Promise<StoredGroup | undefined> {
  const groupId = resourceId(id);
  if (!groupId) return undefined;
  const [row]: [GroupRow?] = await sql`select ${groupColumns(sql)} from directory_groups g where g.org_id = ${orgId} and g.id = ${groupId}`;
  if (!row) return undefined;
  return members ? { ...row, members: (await membersOf(sql, [row.id])).get(row.id) ?? [] } : row;
}

export interface GroupPage {
  totalResults: number;
  groups: StoredGroup[];
}

/** One page of the organisation's groups in a stable order (creation, then id); startIndex is 1-based. */
export async function listDirectoryGroups(
  sql: Sql,
  orgId: string,
  { filter, startIndex, count, members }: { filter?: Filter; startIndex: number; count: number; members: boolean },
): Promise<GroupPage> {
  const where = () => sql`g.org_id = ${orgId} ${filter ? sql`and ${groupFilterToSql(sql, filter)}` : sql``}`;
  const [{ total }]: [{ total: number }] = await sql`select count(*)::int as total from directory_groups g where ${where()}`;
  if (count === 0 || startIndex > total) return { totalResults: total, groups: [] };
  const rows: GroupRow[] = await sql`
    select ${groupColumns(sql)} from directory_groups g where ${where()} order by g.created_at, g.id offset ${startIndex - 1} limit ${count}`;
  if (!members) return { totalResults: total, groups: rows };
  const byGroup = await membersOf(sql, rows.map((r) => r.id));
  return { totalResults: total, groups: rows.map((r) => ({ ...r, members: byGroup.get(r.id) ?? [] })) };
}
