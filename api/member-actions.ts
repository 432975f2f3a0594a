import type { SessionMember } from '../auth/sessions.ts';
import { findMember } from '../db/member-queries.ts';
import { changeOrgRole } from '../db/org-roles.ts';
import { remindersAwaitRecipients } from '../db/site-access.ts';
import { assignSite, handBackSite, setMemberSites, unassignSite, type SiteAccessChange } from '../db/site-assignments.ts';
import { LastOrgAdminError, MemberNotFoundError } from '../domain/member-errors.ts';
import type { OrgRole } from '../domain/member.ts';
import type { SiteGrant } from '../domain/site-assignments.ts';
import { decideMemberStatus, type StatusDecisionName } from '../temporal/member-status.ts';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from './context.ts';
import { ClientError } from './errors.ts';
import { siteAccessAnnouncer } from './site-access-announcer.ts';
import { memberEmailHasher } from '../temporal/member-email-hash.ts';

/** An admin's status decision waits this long for the lifecycle to take it; it stands if it is late. */
const DECISION_DEADLINE_MS = 10_000;
const unconfirmed = () =>
  new ClientError(503, 'decision_unconfirmed', 'The decision was handed to the member\'s lifecycle but not confirmed in time; it may still apply. GET the member in a moment to see its status.');

/** The org admin acting, always inside their own organisation, and the request for the log. */
export interface Acting {
  admin: SessionMember;
  requestId: string;
}

/** The signed-in org admin of a request that passed the org-admin check. */
export const actingAdmin = (c: Context<AppEnv>): Acting => ({ admin: c.get('member')!, requestId: c.get('requestId') });

/**
 * What an org admin does to a member, shared by the JSON API and the admin pages so both take the
 * same path: the same database writes, audit events and Temporal announcements.
 */
export function memberActions(deps: AppDeps) {
  const { sql, temporal, config } = deps;
  const hashEmail = memberEmailHasher(config.encryptionKey);
  const target = ({ admin }: Acting, memberId: string) => ({ orgId: admin.orgId, memberId, actor: `member:${admin.memberId}` });

  const announcer = siteAccessAnnouncer(deps);

  const afterSites = async ({ admin, requestId }: Acting, change: SiteAccessChange, tellBy?: number) => {
    if (change.flip) await announcer.announce(admin, change.flip, requestId, tellBy);
    return change;
  };

  return {
    /** The full set: the same set again changes nothing and writes no audit event. */
    setSites: async (acting: Acting, memberId: string, grants: readonly SiteGrant[]) =>
      afterSites(acting, await setMemberSites(sql, target(acting, memberId), grants)),
    /** `tellBy` (epoch ms) bounds the wait for Temporal where many grants share one request (bulk-site-assignment.ts). */
    assignSite: async (acting: Acting, memberId: string, grant: SiteGrant, tellBy?: number) =>
      afterSites(acting, await assignSite(sql, target(acting, memberId), grant), tellBy),
    /** While a directory group's rule gives the site, the removal sticks until the site is handed back. */
    unassignSite: async (acting: Acting, memberId: string, siteId: string) => afterSites(acting, await unassignSite(sql, target(acting, memberId), siteId)),
    /** The admins' decision about the site is dropped: the directory groups' rules decide it again. */
    handBackSite: async (acting: Acting, memberId: string, siteId: string) => afterSites(acting, await handBackSite(sql, target(acting, memberId), siteId)),

    async changeOrgRole(acting: Acting, memberId: string, orgRole: OrgRole) {
      const { changed, flip } = await changeOrgRole(sql, target(acting, memberId), orgRole);
      const found = await findMember(sql, acting.admin.orgId, memberId);
      if (!found) throw new MemberNotFoundError();
      // Org admins reach every site: a role change starts or ends the wait of a member without sites.
      if (flip) await announcer.announce(acting.admin, flip, acting.requestId);
      // A new admin is a new recipient: reminders held for want of one may go out now.
      if (changed && orgRole === 'org_admin' && (await remindersAwaitRecipients(sql, config.reminders, acting.admin.orgId))) {
        await announcer.recipientsChanged(acting.admin, acting.requestId);
      }
      return { changed, ...found };
    },

    /**
     * disable, enable, follow-directory: the member's lifecycle takes the decision (an Update) and
     * answers with the status it took there, so the answer is the truth, not a guess.
     */
    async decideStatus({ admin }: Acting, memberId: string, decision: StatusDecisionName, reason: string | null) {
      const found = await findMember(sql, admin.orgId, memberId);
      if (!found) throw new MemberNotFoundError();
      const member = { orgId: admin.orgId, orgSlug: admin.orgSlug, memberId, emailHash: hashEmail(found.member.email), source: found.member.source };
      return temporal.connection
        .withDeadline(Date.now() + DECISION_DEADLINE_MS, () => decideMemberStatus(temporal.client, config.temporal.taskQueue, member, decision, { by: admin.memberId, reason }))
        .catch((err: unknown) => {
          if (err instanceof LastOrgAdminError) throw err;
          throw Object.assign(unconfirmed(), { cause: err });
        });
    },
  };
}

export type MemberActions = ReturnType<typeof memberActions>;
