import type { Client } from '@temporalio/client';
import {
  directoryEventSignal,
  lifecycleStart,
  memberWorkflowId,
  workflowTypes,
  type DirectoryEvent,
  type MemberLifecycleWorkflow,
} from '../workflows/definitions.ts';
import type { MemberEmailHasher } from './member-email-hash.ts';

export interface DirectoryMember {
  orgId: string;
  orgSlug: string;
  memberId: string;
  email: string;
}

/**
 * Hands what the directory said about a member to the member's lifecycle, the single writer of
 * their status, starting the lifecycle if it does not run yet (a member the directory just
 * created). Harmless to repeat: the lifecycle ignores an event whose seq it has already seen.
 * The hash of the member's email goes along: the lifecycle's MemberEmailHash follows the directory's changes.
 */
export async function sendDirectoryEvent(
  client: Client,
  member: DirectoryMember,
  event: DirectoryEvent,
  taskQueue: string,
  hashEmail: MemberEmailHasher,
) {
  const { orgId, orgSlug, memberId } = member;
  const emailHash = hashEmail(member.email);
  return client.workflow.signalWithStart<MemberLifecycleWorkflow, [DirectoryEvent]>(workflowTypes.memberLifecycle, {
    workflowId: memberWorkflowId(orgSlug, memberId),
    taskQueue,
    ...lifecycleStart({ orgId, orgSlug, memberId, emailHash, source: 'directory', waitingSince: null }),
    signal: directoryEventSignal,
    signalArgs: [{ ...event, emailHash }],
  });
}
