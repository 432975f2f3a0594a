import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MemberRef, OrgRef } from '../domain/member.ts';
import {
  memberWorkflowId,
  reminderStateQuery,
  remindersNudgeSignal,
  siteAccessChangedSignal,
  type RemindersNudge,
  siteAccessRemindersWorkflowId,
  workflowTypes,
  type SiteAccessChange,
  type SiteAccessRemindersWorkflow,
} from '../workflows/definitions.ts';

/**
 * Tells the org's reminder workflow that a member's reminder falls due at `nudge.dueAt` (they began
 * to wait), or, without it, that who can be mailed changed; starts the workflow if it is not running
 * (signal-with-start: one signal, plus a start when it was idle). Harmless to repeat: at worst the
 * workflow tries a digest that finds nothing due.
 */
export async function nudgeReminders(client: Client, { orgId, orgSlug }: OrgRef, taskQueue: string, nudge: RemindersNudge = {}): Promise<void> {
  await client.workflow.signalWithStart<SiteAccessRemindersWorkflow, [RemindersNudge?]>(workflowTypes.siteAccessReminders, {
    workflowId: siteAccessRemindersWorkflowId(orgSlug),
    taskQueue,
    args: [{ orgId, orgSlug }],
    signal: remindersNudgeSignal,
    signalArgs: [nudge],
  });
}

/** Whether the org's reminder workflow runs now; describing it is no billable Action. */
export async function remindersRunning(client: Client, { orgSlug }: OrgRef): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(siteAccessRemindersWorkflowId(orgSlug)).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
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
