import { statusView, type DirectoryState, type DisabledBy, type MemberStatusView, type OverrideKind } from '../domain/lifecycle.ts';
import type { MemberSource, MemberStatus, OrgRole } from '../domain/member.ts';
import type { Queryable } from './client.ts';
import { waitingForSiteSince, waitsForSite } from './site-access.ts';
import { memberSites, type MemberSite } from './site-assignments.ts';

export interface MemberFilters {
  /** `none`: waiting for a site (db/site-access.ts `waitsForSite`); `some`: everyone else (a site, org admins, disabled members). */
  siteAccess?: 'none' | 'some';
  status?: MemberStatus;
  source?: MemberSource;
  /** Case-insensitive substring of the email or the name. */
  q?: string;
}

/**
 * Where a page ends: created_at to the microsecond (ISO, UTC) and the id that breaks ties. It goes
 * back to PostgreSQL as text, because a timestamptz parameter passes through a JS Date (milliseconds).
 */
export interface MemberKey {
  createdAt: string;
  id: string;
}

export interface MemberRow {
  id: string;
  email: string;
  name: string;
  orgRole: OrgRole;
  status: MemberStatus;
  source: MemberSource;
  createdAt: Date;
  siteCount: number;
  /** Since when the member waits for a site (db/site-access.ts `waitsForSite`); null while they have one, are an org admin or are disabled. */
  waitingForSiteSince: Date | null;
}

const memberColumns = (sql: Queryable) => sql`
  m.id, m.email, m.name, m.org_role as "orgRole", m.status, m.source, m.created_at as "createdAt",
  (select count(*)::int from site_assignments a where a.member_id = m.id) as "siteCount",
  ${waitingForSiteSince(sql)} as "waitingForSiteSince"`;

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, '\\$&')}%`;

function filterConditions(sql: Queryable, { siteAccess, status, source, q }: MemberFilters) {
  const none = sql``;
  return sql`
    ${siteAccess === 'none' ? sql`and ${waitsForSite(sql)}` : none}
    ${siteAccess === 'some' ? sql`and not ${waitsForSite(sql)}` : none}
    ${status ? sql`and m.status = ${status}` : none}
    ${source ? sql`and m.source = ${source}` : none}
    ${q ? sql`and (m.email::text ilike ${likePattern(q)} or m.name ilike ${likePattern(q)})` : none}`;
}

/** One page of the organisation's members, newest first, by keyset: rows that join meanwhile never shift a page. */
export async function listMembers(
  sql: Queryable,
  orgId: string,
  filters: MemberFilters,
  { limit, after }: { limit: number; after?: MemberKey | undefined },
): Promise<{ members: MemberRow[]; next: MemberKey | undefined }> {
  const rows = await sql<(MemberRow & { keyAt: string })[]>`
    select ${memberColumns(sql)},
      to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "keyAt"
    from members m
    where m.org_id = ${orgId} ${filterConditions(sql, filters)}
      ${after ? sql`and (m.created_at, m.id) < (${after.createdAt}::text::timestamptz, ${after.id}::uuid)` : sql``}
    order by m.created_at desc, m.id desc
    limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? { createdAt: last.keyAt, id: last.id } : undefined;
  return { members: page.map(({ keyAt: _keyAt, ...member }) => member), next };
}

export interface FoundMember {
  member: MemberRow;
  sites: MemberSite[];
  /** Effective status, the directory's word and an admin's override, as the member's lifecycle last projected them. */
  statusDecision: MemberStatusView;
}

export async function findMember(sql: Queryable, orgId: string, memberId: string): Promise<FoundMember | undefined> {
  const [member]: [MemberRow?] = await sql`select ${memberColumns(sql)} from members m where m.id = ${memberId} and m.org_id = ${orgId}`;
  if (!member) return undefined;
  return { member, sites: await memberSites(sql, memberId), statusDecision: await statusDecision(sql, memberId) };
}

interface DecisionRow {
  directoryState: DirectoryState;
  kind: OverrideKind | null;
  by: string | null;
  at: Date | null;
  reason: string | null;
}

async function statusDecision(sql: Queryable, memberId: string): Promise<MemberStatusView> {
  const [row]: [DecisionRow] = await sql`
    select directory_state as "directoryState", status_override as kind, status_override_by as by,
      status_override_at as at, status_override_reason as reason
    from members where id = ${memberId}`;
  const override = row.kind && row.by && row.at ? { kind: row.kind, by: row.by, at: row.at.toISOString(), reason: row.reason } : null;
  return statusView({ directory: { state: row.directoryState, seq: 0, at: null }, override });
}

/** Who among these ids is a member of the organisation (with their name and status); ids of other organisations are absent. */
export const orgMembersAmong = (sql: Queryable, orgId: string, memberIds: readonly string[]) => sql<Pick<MemberRow, 'id' | 'email' | 'name' | 'status'>[]>`
  select id, email, name, status from members where org_id = ${orgId} and id = any(${memberIds as string[]}::uuid[])`;

/** Why each of these members is disabled: an admin's decision (manual) or the directory; active members are absent. */
export async function disabledReasons(sql: Queryable, memberIds: string[]): Promise<Map<string, DisabledBy>> {
  const rows = await sql<{ id: string; override: OverrideKind | null }[]>`
    select id, status_override as override from members where id = any(${memberIds}::uuid[]) and status = 'disabled'`;
  return new Map(rows.map((r) => [r.id, r.override === 'disabled' ? 'manual' : 'directory']));
}
