import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MemberRef } from '../domain/member.ts';
import {
  memberWorkflowId,
  reminderStateQuery,
  remindersNudgeSignal,
  siteAccessChangedSignal,
  type RemindersNudge,
  siteAccessRemindersWorkflowId,
  type SiteAccessChange,
} from '../workflows/definitions.ts';
import { siteAccessRemindersWorkflow } from '../workflows/index.ts';

export interface OrgRef {
  orgId: string;
  orgSlug: string;
}

/**
 * Tells the org's reminder workflow that a member's reminder falls due at `nudge.dueAt` (they began
 * to wait), or, without it, that who can be mailed changed; starts the workflow if it is not running
 * (signal-with-start: one signal, plus a start when it was idle). Harmless to repeat: at worst the
 * workflow tries a digest that finds nothing due.
 */
export async function nudgeReminders(client: Client, { orgId, orgSlug }: OrgRef, taskQueue: string, nudge: RemindersNudge = {}): Promise<void> {
  await client.workflow.signalWithStart(siteAccessRemindersWorkflow, {
    workflowId: siteAccessRemindersWorkflowId(orgSlug),
    taskQueue,
    args: [{ orgId, orgSlug }],
    signal: remindersNudgeSignal,
    signalArgs: [nudge],
  });
}

/**
 * What a member's site-access change means to Temporal, sent after the change commits: the
 * lifecycle updates its search attributes, and, when the member began to wait, the reminders learn
 * when their first step falls due (`dueAt`). A grant tells the reminders nothing: their next digest
 * finds the member has a site. A member without a running lifecycle only misses the attributes.
 */
export async function announceSiteAccessChange(
  client: Client,
  member: MemberRef,
  change: SiteAccessChange & { dueAt?: string },
  taskQueue: string,
): Promise<void> {
  const { dueAt, ...signalled } = change;
  try {
    await client.workflow.getHandle(memberWorkflowId(member.orgSlug, member.memberId)).signal(siteAccessChangedSignal, signalled);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  if (dueAt) await nudgeReminders(client, member, taskQueue, { dueAt });
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
