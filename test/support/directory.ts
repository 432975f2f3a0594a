import type { Client } from '@temporalio/client';
import type { MemberRef } from '../../domain/member.ts';
import { directoryEventSignal, memberWorkflowId, type DirectoryEvent } from '../../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../../workflows/index.ts';

/** As the SCIM layer sends a directory event: signal-with-start on the member's lifecycle. */
export async function sendDirectoryEvent(client: Client, taskQueue: string, member: MemberRef & { email: string }, event: DirectoryEvent) {
  const { orgId, orgSlug, memberId, email } = member;
  return client.workflow.signalWithStart(memberLifecycleWorkflow, {
    workflowId: memberWorkflowId(orgSlug, memberId),
    taskQueue,
    args: [{ orgId, orgSlug, memberId, email, source: 'directory' }],
    signal: directoryEventSignal,
    signalArgs: [event],
  });
}

/** The status part of the state query of a member the directory never mentioned and no admin decided on. */
export const followingTheDirectory = {
  directory: { state: 'none', seq: 0, at: null },
  override: null,
  directoryStatus: 'none',
  disabledBy: null,
} as const;
