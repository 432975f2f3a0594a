import { randomUUID } from 'node:crypto';
import { siteAccessAnnouncement, type SiteAccessAnnouncement } from '../db/site-access.ts';
import { inTurns } from '../domain/in-turns.ts';
import type { OrgRef } from '../domain/member.ts';
import { announceSiteAccessChange, nudgeReminders } from '../temporal/site-access.ts';
import { siteRulesWorkflowId, workflowTypes, type ApplySiteRulesWorkflow } from '../workflows/definitions.ts';
import type { AppDeps } from './context.ts';

/** Temporal is told within this, or the change stands and a warning is logged. */
const TELL_DEADLINE_MS = 3_000;
/** Members announced at once after one request (a directory group of a thousand joining a rule's group). */
const ANNOUNCE_CONCURRENCY = 8;

/**
 * What the api tells Temporal after a site-access change has committed. Best effort within a
 * deadline: the change stands either way. A digest re-reads PostgreSQL before it is sent, so it
 * never mails about a granted member; the hourly reminder sweep starts reminders a missed nudge
 * left idle; the site-rules schedule works out what a missed start left queued.
 */
export function siteAccessAnnouncer({ sql, temporal, config, log }: AppDeps) {
  const told = (what: Record<string, unknown>, tell: () => Promise<unknown>, tellBy = Date.now() + TELL_DEADLINE_MS) =>
    temporal.connection
      .withDeadline(tellBy, tell)
      .then(() => undefined)
      .catch((err: unknown) => log.warn({ err, ...what }, 'site access or recipients changed but Temporal was not told in time; the change stands'));

  /** One member whose wait for a site began or ended: their lifecycle's search attributes follow, and a new wait reaches the reminders. */
  const tell = (org: OrgRef, memberId: string, change: SiteAccessAnnouncement, requestId: string, tellBy?: number) =>
    told({ requestId, memberId }, () => announceSiteAccessChange(temporal.client, { ...org, memberId }, change, config.temporal.taskQueue), tellBy);

  async function announce(org: OrgRef, memberId: string, requestId: string, tellBy?: number) {
    const change = await siteAccessAnnouncement(sql, org.orgId, memberId, config.reminders);
    if (change) await tell(org, memberId, change, requestId, tellBy);
  }

  return {
    announce,

    /**
     * Many members after one request: what to say is read one member after another (one pooled
     * connection), then Temporal is told a few at a time, all within one deadline.
     */
    async announceMany(org: OrgRef, memberIds: readonly string[], requestId: string) {
      const tellBy = Date.now() + TELL_DEADLINE_MS * 3;
      const changes: { memberId: string; change: SiteAccessAnnouncement }[] = [];
      for (const memberId of memberIds) {
        const change = await siteAccessAnnouncement(sql, org.orgId, memberId, config.reminders);
        if (change) changes.push({ memberId, change });
      }
      await inTurns(changes, ANNOUNCE_CONCURRENCY, ({ memberId, change }) => tell(org, memberId, change, requestId, tellBy));
    },

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
