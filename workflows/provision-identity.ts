import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { allHandlersFinished, condition, getExternalWorkflowHandle, ParentClosePolicy, proxyLocalActivities, setHandler, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retryPolicy } from './activity-retry.ts';
import {
  lifecycleStart,
  memberEmailChangedSignal,
  memberWorkflowId,
  signInOutcomeUpdate,
  type ProvisionIdentityInput,
  type ProvisionOutcome,
} from './definitions.ts';
import { memberLifecycleWorkflow } from './member-lifecycle.ts';

// Local: one short, idempotent transaction on the sign-in's critical path (bench/ compares it with a regular activity).
const { provisionIdentity } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: retryPolicy({ initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' }),
});

/**
 * One sign-in of one identity. The api asks for the outcome with update-with-start and gets it as
 * soon as the account exists; the member's lifecycle is started afterwards, durably, by this workflow.
 */
export async function provisionIdentityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  const outcome = provisionIdentity(input);
  // Callbacks of the same identity arriving meanwhile attach here (USE_EXISTING) and share this outcome.
  setHandler(signInOutcomeUpdate, () => outcome);
  const result = await outcome;
  if (result.outcome !== 'refused' && !result.lifecycleStarted) {
    await ensureLifecycle(input, result);
  } else if (result.outcome !== 'refused' && result.emailChangedAt) {
    // The running lifecycle's MemberEmailHash follows; one that does not run takes it when it starts.
    await getExternalWorkflowHandle(memberWorkflowId(input.orgSlug, result.memberId))
      .signal(memberEmailChangedSignal, { emailHash: input.emailHash, changedAt: result.emailChangedAt })
      .catch(() => undefined);
  }
  await condition(allHandlersFinished);
  return result;
}

/**
 * Every signed-in member gets a running lifecycle. Deciding by the member's stamp rather than by
 * "created or linked" also heals a member whose first sign-in committed but failed before its
 * lifecycle started: the retry, and every later sign-in, sees no stamp and starts it.
 */
async function ensureLifecycle(input: ProvisionIdentityInput, { memberId, source, waitingSince }: Exclude<ProvisionOutcome, { outcome: 'refused' }>) {
  try {
    await startChild(memberLifecycleWorkflow, {
      workflowId: memberWorkflowId(input.orgSlug, memberId),
      ...lifecycleStart({ orgId: input.orgId, orgSlug: input.orgSlug, memberId, emailHash: input.emailHash, source, waitingSince }),
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
