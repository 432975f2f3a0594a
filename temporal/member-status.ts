import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy } from '@temporalio/common';
import { LAST_ORG_ADMIN } from '../activities/member-status.ts';
import { LastOrgAdminError } from '../domain/member-errors.ts';
import type { MemberRef, MemberSource } from '../domain/member.ts';
import {
  disableMemberUpdate,
  enableMemberUpdate,
  followDirectoryUpdate,
  lifecycleStart,
  memberWorkflowId,
  workflowTypes,
  type MemberLifecycleWorkflow,
  type MemberStatusAnswer,
  type MemberStatusRequest,
} from '../workflows/definitions.ts';

export const statusUpdates = { disable: disableMemberUpdate, enable: enableMemberUpdate, 'follow-directory': followDirectoryUpdate } as const;
export type StatusDecisionName = keyof typeof statusUpdates;

/**
 * Hands an org admin's decision to the member's lifecycle and answers with the status it took
 * there (update-with-start: a member whose lifecycle is not running gets it started). A refusal
 * comes back as the domain error the api maps (LastOrgAdminError: 409).
 */
export async function decideMemberStatus(
  client: Client,
  taskQueue: string,
  member: MemberRef & { emailHash: string; source: MemberSource },
  decision: StatusDecisionName,
  request: MemberStatusRequest,
): Promise<MemberStatusAnswer> {
  const { orgId, orgSlug, memberId, emailHash, source } = member;
  const startWorkflowOperation = new WithStartWorkflowOperation<MemberLifecycleWorkflow>(workflowTypes.memberLifecycle, {
    workflowId: memberWorkflowId(orgSlug, memberId),
    taskQueue,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    ...lifecycleStart({ orgId, orgSlug, memberId, emailHash, source, waitingSince: null }),
  });
  try {
    return await client.workflow.executeUpdateWithStart(statusUpdates[decision], { args: [request], startWorkflowOperation });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === LAST_ORG_ADMIN) {
      throw new LastOrgAdminError();
    }
    throw err;
  }
}
