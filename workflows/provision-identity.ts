import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyLocalActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { memberWorkflowId, type ProvisionIdentityInput, type ProvisionOutcome } from './definitions.ts';
import { memberLifecycleWorkflow } from './member-lifecycle.ts';

// Local: one short, idempotent transaction on the sign-in's critical path (halves its latency, see bench/).
const { provisionIdentity } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: ['ValidationError'] },
});

/**
 * One sign-in of one identity. The api waits for the result, so the account exists before the
 * person lands; the member's lifecycle is started (or found running) before this completes.
 */
export async function provisionIdentityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  const result = await provisionIdentity(input);
  // A known identity's member already has a lifecycle: it was started when the identity was first linked.
  if (result.outcome === 'refused' || result.outcome === 'signed_in') return result;
  try {
    await startChild(memberLifecycleWorkflow, {
      workflowId: memberWorkflowId(input.orgSlug, result.memberId),
      args: [{ orgId: input.orgId, orgSlug: input.orgSlug, memberId: result.memberId, email: input.email, source: result.source }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return result;
}
