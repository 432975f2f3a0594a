import { randomUUID } from 'node:crypto';
import type { SiteAccessAnnouncement } from '../db/site-access.ts';
import { deliverAnnouncements, type PendingAnnouncement } from '../db/site-access-outbox.ts';
import type { OrgRef } from '../domain/member.ts';
import { announceSiteAccessChange, nudgeReminders } from '../temporal/site-access.ts';
import { siteRulesWorkflowId, workflowTypes, type ApplySiteRulesWorkflow } from '../workflows/definitions.ts';
import type { AppDeps } from './context.ts';

/** Temporal is told within this, or the change stands and a warning is logged. */
const TELL_DEADLINE_MS = 3_000;
/** Members announced at once after one request (a directory group of a thousand joining a rule's group). */
const ANNOUNCE_CONCURRENCY = 8;

/**
 * What the api tells Temporal after a site-access change has committed, within a deadline: the
 * change stands either way. A member's announcement was queued with the change
 * (db/site-access-outbox.ts) and is taken off once told; one not told in time stays, and the
 * site-rules schedule delivers it within minutes. A digest re-reads PostgreSQL before it is sent,
 * so it never mails about a granted member; the hourly reminder sweep starts reminders a missed
 * nudge left idle; the site-rules schedule works out what a missed start left queued.
 */
export function siteAccessAnnouncer({ sql, temporal, config, log }: AppDeps) {
  /** Whether Temporal was told in time. */
  const told = (what: Record<string, unknown>, tell: () => Promise<unknown>, tellBy = Date.now() + TELL_DEADLINE_MS): Promise<boolean> =>
    temporal.connection
      .withDeadline(tellBy, tell)
      .then(() => true)
      .catch((err: unknown) => {
        log.warn({ err, ...what }, 'site access or recipients changed but Temporal was not told in time; the change stands');
        return false;
      });

  /** One member whose wait for a site began or ended: their lifecycle's search attributes follow, and a new wait reaches the reminders. */
  const tell = (org: OrgRef, memberId: string, change: SiteAccessAnnouncement, requestId: string, tellBy?: number) =>
    told({ requestId, memberId }, () => announceSiteAccessChange(temporal.client, { ...org, memberId }, change, config.temporal.taskQueue), tellBy);

  /**
   * Many members after one request: what to say is read one member after another (one pooled
   * connection), then Temporal is told a few at a time, all within one deadline; the announcements
   * told are taken off the outbox after (no connection is held while Temporal is waited for).
   */
  async function announceMany(org: OrgRef, owed: readonly PendingAnnouncement[], requestId: string, tellBy = Date.now() + TELL_DEADLINE_MS * 3) {
    await deliverAnnouncements(sql, owed, { policy: config.reminders, concurrency: ANNOUNCE_CONCURRENCY }, (one, change) => tell(org, one.memberId, change, requestId, tellBy));
  }

  return {
    /** One member owed an announcement by a change this request committed. */
    announce: (org: OrgRef, owed: PendingAnnouncement, requestId: string, tellBy = Date.now() + TELL_DEADLINE_MS) => announceMany(org, [owed], requestId, tellBy),

    announceMany,

    /** Who can be mailed changed (a new org admin): reminders held for want of a recipient may go out now. */
    recipientsChanged: (org: OrgRef, requestId: string) =>
      told({ requestId, orgId: org.orgId }, () => nudgeReminders(temporal.client, org, config.temporal.taskQueue)),

    /** Starts working out the members a change of rules queued; if it does not start, the schedule does it within minutes. */
    startApplyingRules: (org: OrgRef, requestId: string) =>
      told({ requestId, orgId: org.orgId }, () =>
        temporal.client.workflow.start<ApplySiteRulesWorkflow>(workflowTypes.applySiteRules, {
          workflowId: siteRulesWorkflowId(org.orgSlug, randomUUID()),
          taskQueue: config.temporal.taskQueue,
          args: [{ orgId: org.orgId }],
        }),
      ),
  };
}

export type SiteAccessAnnouncer = ReturnType<typeof siteAccessAnnouncer>;
