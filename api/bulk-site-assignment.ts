import { z } from 'zod';
import { orgMembersAmong } from '../db/member-queries.ts';
import { findOrgSite } from '../db/site-assignments.ts';
import { MemberDisabledError, MemberNotFoundError, SiteNotFoundError } from '../domain/member-errors.ts';
import { siteRoles, type SiteRole } from '../domain/member.ts';
import { inTurns } from '../domain/in-turns.ts';
import type { SiteGrant } from '../domain/site-assignments.ts';
import type { AppDeps } from './context.ts';
import { ClientError } from './errors.ts';
import { memberActions, type Acting } from './member-actions.ts';
import { uuidId } from './validate.ts';

/** An organisation's first day of SSO brings dozens of waiting members; a few hundred fit one request (and the 64 kB body). */
export const MAX_BULK_MEMBERS = 500;
/**
 * All of a request's announcements to Temporal share this bound: with Temporal unreachable, 500
 * members at the 3 s of one grant each would hold the request for 25 minutes. A grant whose
 * announcement misses it stands, as a single grant's does (member-actions.ts), and the site-rules
 * schedule delivers the announcement later (db/site-access-outbox.ts).
 */
const BULK_NUDGE_DEADLINE_MS = 15_000;
/**
 * Members taken at once. Each holds one pooled connection for its transaction (never two: the
 * announcement reads after the commit), so a request holds at most 4 of the api's 14
 * (db/client.ts) and three bulk requests at once still leave room for everyone else.
 */
const BULK_CONCURRENCY = 4;

export const memberIdList = z
  .array(uuidId())
  .min(1, 'name at least one member')
  .max(MAX_BULK_MEMBERS, `name at most ${MAX_BULK_MEMBERS} members per request; send the rest in another`)
  .refine((ids) => new Set(ids).size === ids.length, 'name each member id at most once');

export const bulkSiteGrant = z.strictObject({ memberIds: memberIdList, siteId: uuidId(), role: z.enum(siteRoles) });

export type BulkRefusal = 'member_disabled' | 'member_not_found';

export interface BulkMemberResult {
  memberId: string;
  email: string;
  name: string;
  /** `assigned`: the site is theirs now with the role (added, or its role replaced); `already_assigned`: it was, nothing changed. */
  outcome: 'assigned' | 'already_assigned' | 'refused';
  reason?: BulkRefusal;
  message?: string;
}

export interface BulkAssignment {
  site: { id: string; name: string };
  role: SiteRole;
  results: BulkMemberResult[];
  counts: { assigned: number; alreadyAssigned: number; refused: number };
}

const listed = (ids: readonly string[]) => (ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', '));

/** A refusal of one member (their own state, not the request's) becomes their result. */
function refusalOf(err: unknown): BulkRefusal | undefined {
  if (err instanceof MemberDisabledError) return 'member_disabled';
  if (err instanceof MemberNotFoundError) return 'member_not_found';
  return undefined;
}

/**
 * One site with one role for many members. Input errors refuse the request before anything
 * changes: an unknown site, or ids that are no member of the admin's organisation (another
 * organisation's look the same, so their existence is not revealed). Then each member goes through
 * the path of one manual grant (member-actions.ts assignSite): their own transaction and audit
 * event, their lifecycle told, their reminders stopped; a few at a time (BULK_CONCURRENCY). A repeat changes nothing twice: members who have the
 * site with that role answer `already_assigned`, and a request cut off midway can be sent again.
 */
export function bulkSiteAssignment(deps: AppDeps) {
  const actions = memberActions(deps);
  return async (acting: Acting, memberIds: readonly string[], grant: SiteGrant): Promise<BulkAssignment> => {
    const { orgId } = acting.admin;
    const site = await findOrgSite(deps.sql, orgId, grant.siteId);
    if (!site) throw new SiteNotFoundError([grant.siteId]);
    const members = new Map((await orgMembersAmong(deps.sql, orgId, memberIds)).map((m) => [m.id, m]));
    const unknown = memberIds.filter((id) => !members.has(id));
    if (unknown.length > 0) {
      throw new ClientError(404, 'members_not_found', `No such members in this organisation: ${listed(unknown)}. Nothing was assigned; remove them and send the request again.`);
    }
    const tellBy = Date.now() + BULK_NUDGE_DEADLINE_MS;
    const assignOne = async ({ id: memberId, email, name }: { id: string; email: string; name: string }): Promise<BulkMemberResult> => {
      try {
        const { changed } = await actions.assignSite(acting, memberId, grant, tellBy);
        return { memberId, email, name, outcome: changed ? 'assigned' : 'already_assigned' };
      } catch (err) {
        const reason = refusalOf(err);
        if (!reason) throw err;
        return { memberId, email, name, outcome: 'refused', reason, message: (err as Error).message };
      }
    };
    const results = await inTurns(memberIds.flatMap((id) => members.get(id) ?? []), BULK_CONCURRENCY, assignOne);
    const count = (outcome: BulkMemberResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
    return { site, role: grant.role, results, counts: { assigned: count('assigned'), alreadyAssigned: count('already_assigned'), refused: count('refused') } };
  };
}
