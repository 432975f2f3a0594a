import { ApplicationFailure } from '@temporalio/common';
import postgres from 'postgres';
import { insertAuditEvent } from '../db/audit.ts';
import type { Queryable, Sql } from '../db/client.ts';
import type { DirectoryState, StatusOverride } from '../domain/lifecycle.ts';
import { LastOrgAdminError } from '../domain/member-errors.ts';
import type { MemberRef, MemberStatus, OrgRole } from '../domain/member.ts';
import { disablesLastActiveAdmin } from '../domain/org-roles.ts';
import { siteAccessAnnouncement } from '../db/site-access.ts';
import { clearAnnounced } from '../db/site-access-outbox.ts';
import { reconcileSiteAccess, type SiteAccessFlip } from '../db/site-assignments.ts';
import type { ReminderPolicy } from '../domain/reminders.ts';
import type { TemporalPorts } from './ports.ts';
import { ValidationError } from './errors.ts';

/** One status decision of a member's lifecycle, as it goes into PostgreSQL. */
export interface StatusProjection extends MemberRef {
  /** `{workflowId}/status/{n}`: the n-th decision of this lifecycle, across its runs. */
  idempotencyKey: string;
  status: MemberStatus;
  /** The status before this decision, as the lifecycle last projected it. */
  previous: MemberStatus;
  directoryState: DirectoryState;
  override: StatusOverride | null;
  /** Written when the decision changes the status or the override; null for the directory's word alone. */
  audit: { actor: string; type: string; data: Record<string, unknown> } | null;
  /** An admin may not disable the last active org admin; the directory may (the person has left). */
  guardLastAdmin: boolean;
}

/** The failure type the lifecycle's admin updates answer with; api/ maps it back to LastOrgAdminError. */
export const LAST_ORG_ADMIN = 'LastOrgAdminError';

export function memberStatusActivities(sql: Sql, policy: ReminderPolicy, temporal: Pick<TemporalPorts, 'announceSiteAccess'>) {
  return {
    /**
     * Projects one status decision in one transaction: status, directory state and override on the
     * member row, every live session revoked (`revoked_at`: a later enable revives no cookie) when
     * the member is disabled or the row flips, and the audit event. Idempotent: the lifecycle applies
     * decisions one at a time, the row is set to values (not changed by deltas), the event is keyed
     * by the decision's number, and a retry after a commit finds the row flipped already and revokes
     * nothing a re-enabled member signed in with since. A re-enable also works the member's sites
     * out again from the site-access rules and decisions of now (kept as they were while disabled).
     * Then their site access is announced: the lifecycle's search attributes follow, and a member
     * who waits for a site reaches the org's reminders with their due time. Always on a re-enable,
     * not only when it changed their sites, so a retry after a failed call still tells; a repeated
     * announcement changes nothing, a repeated nudge at worst tries a digest that finds nothing due.
     * A re-enable that changed their site access also queued the announcement (db/site-access-outbox.ts):
     * it is taken off once told, else the site-rules schedule tells it if this activity gives up.
     */
    async projectMemberStatus(p: StatusProjection): Promise<void> {
      const flips = await project(sql, p).catch(refuseBrokenConstraint);
      if (p.previous !== 'disabled' || p.status !== 'active') return;
      const change = await siteAccessAnnouncement(sql, p.orgId, p.memberId, policy);
      if (change) await temporal.announceSiteAccess(p, change);
      await clearAnnounced(sql, flips);
    },
  };
}

/** Returns the site-access flip of a re-enable, if it had one. */
function project(sql: Sql, p: StatusProjection): Promise<SiteAccessFlip[]> {
  return sql.begin(async (tx): Promise<SiteAccessFlip[]> => {
    if (p.guardLastAdmin && p.status === 'disabled') await refuseLastActiveAdmin(tx, p);
    const [row]: [{ status: MemberStatus }?] = await tx`
      select status from members where id = ${p.memberId} and org_id = ${p.orgId} for update`;
    if (!row) throw ApplicationFailure.nonRetryable('The member no longer exists.', 'MemberNotFoundError');
    await tx`
      update members set status = ${p.status}, directory_state = ${p.directoryState}, updated_at = now(),
        status_override = ${p.override?.kind ?? null}, status_override_by = ${p.override?.by ?? null},
        status_override_at = ${p.override?.at ?? null}, status_override_reason = ${p.override?.reason ?? null}
      where id = ${p.memberId}`;
    // On a re-enable this ends sessions a sign-in may have opened in the moment of the disable.
    if (p.status === 'disabled' || row.status !== p.status) {
      await tx`update sessions set revoked_at = now() where member_id = ${p.memberId} and revoked_at is null`;
    }
    if (p.audit) await insertAuditEvent(tx, { orgId: p.orgId, memberId: p.memberId, ...p.audit, idempotencyKey: p.idempotencyKey });
    if (row.status !== 'disabled' || p.status !== 'active') return [];
    return reconcileSiteAccess(tx, p.orgId, [p.memberId], 'system:site-rules');
  }) as Promise<SiteAccessFlip[]>;
}

/**
 * A decision the schema refuses (say, an override by an id that is no member) would fail every
 * retry and hold up every later decision of the member: it fails at once instead.
 */
function refuseBrokenConstraint(err: unknown): never {
  if (err instanceof postgres.PostgresError && err.code.startsWith('23')) throw new ValidationError(`status decision refused by the database: ${err.message}`);
  throw err;
}

/** Locks the org's active admins in id order, as changeOrgRole does: of two admins disabling each other, the second is refused. */
async function refuseLastActiveAdmin(tx: Queryable, { orgId, memberId }: MemberRef) {
  const admins = await tx`
    select id from members where org_id = ${orgId} and org_role = 'org_admin' and status = 'active' order by id for update`;
  const [target]: [{ orgRole: OrgRole; status: MemberStatus }?] = await tx`
    select org_role as "orgRole", status from members where id = ${memberId} and org_id = ${orgId} for update`;
  if (target && disablesLastActiveAdmin({ target, activeAdmins: admins.length })) {
    throw ApplicationFailure.nonRetryable(new LastOrgAdminError().message, LAST_ORG_ADMIN);
  }
}
