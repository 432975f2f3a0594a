import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retryPolicy } from './activity-retry.ts';
import {
  memberStateQuery,
  searchAttributes,
  type MemberLifecycleInput,
  type MemberLifecycleState,
} from './definitions.ts';

const retry = retryPolicy({ initialInterval: '1 second', maximumInterval: '1 minute' });
const { recordAuditEvent } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });
// Local: one short transaction in the first workflow task, so starting a lifecycle (at every first
// sign-in) costs no activity task and no second workflow task.
const { recordLifecycleStarted } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

/** Single writer of one member's lifecycle; lives as long as the member does. */
export async function memberLifecycleWorkflow(input: MemberLifecycleInput): Promise<void> {
  const { orgId, orgSlug, memberId } = input;
  const state: MemberLifecycleState = input.state ?? {
    status: 'active',
    siteAccessPending: true,
    email: input.email,
  };

  setHandler(memberStateQuery, () => ({ orgId, orgSlug, memberId, ...state }));
  upsertSearchAttributes([
    { key: searchAttributes.orgSlug, value: orgSlug },
    { key: searchAttributes.memberEmail, value: state.email },
    { key: searchAttributes.memberStatus, value: state.status },
    { key: searchAttributes.siteAccessPending, value: state.siteAccessPending },
  ]);

  if (!input.state) {
    // The key makes the event exactly-once even if this activity is retried or the worker crashes.
    const started = {
      idempotencyKey: `${workflowInfo().workflowId}/lifecycle-started`,
      orgId,
      memberId,
      actor: 'system',
      type: 'member.lifecycle_started',
      data: { source: input.source },
    };
    // The stamp tells sign-ins this member's lifecycle runs (see provision-identity.ts).
    if (patched('lifecycle-started-stamp')) await recordLifecycleStarted(started);
    else await recordAuditEvent(started);
  }

  await condition(() => workflowInfo().continueAsNewSuggested && allHandlersFinished());
  await continueAsNew<typeof memberLifecycleWorkflow>({ ...input, state });
}
