import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MemberRef } from '../domain/member.ts';
import {
  memberWorkflowId,
  reminderStateQuery,
  remindersNudgeSignal,
  siteAccessChangedSignal,
  siteAccessRemindersWorkflowId,
  type SiteAccessChange,
} from '../workflows/definitions.ts';
import { siteAccessRemindersWorkflow } from '../workflows/index.ts';

export interface OrgRef {
  orgId: string;
  orgSlug: string;
}

/**
 * Tells the org's reminder workflow that someone may have started or stopped waiting for a site,
 * starting it if it is not running (signal-with-start: one signal, plus a start when it was idle).
 * Harmless to repeat: the workflow only re-reads who waits.
 */
export async function nudgeReminders(client: Client, { orgId, orgSlug }: OrgRef, taskQueue: string): Promise<void> {
  await client.workflow.signalWithStart(siteAccessRemindersWorkflow, {
    workflowId: siteAccessRemindersWorkflowId(orgSlug),
    taskQueue,
    args: [{ orgId, orgSlug }],
    signal: remindersNudgeSignal,
    signalArgs: [],
  });
}

/**
 * What a member's site-access change means to Temporal, sent after the change commits: the
 * lifecycle updates its search attributes, and the reminders re-read who waits. A member without a
 * running lifecycle only misses the attributes.
 */
export async function announceSiteAccessChange(client: Client, member: MemberRef, change: SiteAccessChange, taskQueue: string): Promise<void> {
  try {
    await client.workflow.getHandle(memberWorkflowId(member.orgSlug, member.memberId)).signal(siteAccessChangedSignal, change);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await nudgeReminders(client, member, taskQueue);
}

/**
 * The org's reminder state (next step, next send time and recipients per waiting member, warnings
 * such as "no admin"), or undefined if reminders never ran for it. A finished workflow answers too:
 * nobody was waiting when it ended. Each call is a billable query.
 */
export async function reminderState(client: Client, orgSlug: string) {
  try {
    return await client.workflow.getHandle(siteAccessRemindersWorkflowId(orgSlug)).query(reminderStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
