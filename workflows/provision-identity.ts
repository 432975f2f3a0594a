import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { memberWorkflowId, type ProvisionIdentityInput, type ProvisionOutcome } from './definitions.ts';
import { memberLifecycleWorkflow } from './member-lifecycle.ts';

const { provisionIdentity } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/**
 * One sign-in of one identity. The api waits for the result, so the account exists before the
 * person lands; the member's lifecycle is started (or found running) before this completes.
 */
export async function provisionIdentityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  const result = await provisionIdentity(input);
  if (result.outcome === 'refused') return result;
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
