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
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import { statusView } from '../domain/lifecycle.ts';
import { retryPolicy } from './activity-retry.ts';
import { applyEmailChange } from './member-email.ts';
import { decisionOf, handleStatusDecisions, seedStatus } from './member-status.ts';
import {
  memberEmailChangedSignal,
  memberStateQuery,
  searchAttributes,
  siteAccessChangedSignal,
  type MemberLifecycleInput,
  type MemberLifecycleState,
  type SiteAccessChange,
} from './definitions.ts';

const retry = retryPolicy({ initialInterval: '1 second', maximumInterval: '1 minute' });
const { recordAuditEvent } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });
// Local: one short transaction in the first workflow task, so starting a lifecycle (at every first
// sign-in) costs no activity task and no second workflow task.
const { recordLifecycleStarted } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

const pendingSinceAttribute = (state: MemberLifecycleState): SearchAttributeUpdatePair => ({
  key: searchAttributes.siteAccessPendingSince,
  value: state.siteAccessPendingSince ? new Date(state.siteAccessPendingSince) : null,
});

/**
 * Single writer of one member's lifecycle and status; lives as long as the member does. Status
 * decisions (directory events, admin updates) are taken in member-status.ts.
 */
export async function memberLifecycleWorkflow(input: MemberLifecycleInput): Promise<void> {
  const { orgId, orgSlug, memberId } = input;
  const waitingSince = input.startAttributes?.waitingSince;
  const state: MemberLifecycleState = input.state ?? {
    status: 'active',
    siteAccessPending: waitingSince !== null,
    email: input.email,
    ...(waitingSince ? { siteAccessPendingSince: waitingSince } : {}),
  };

  const decisions = handleStatusDecisions({ orgId, orgSlug, memberId }, state);
  setHandler(memberStateQuery, () => ({ orgId, orgSlug, memberId, ...state, ...decisionOf(state), ...statusView(decisionOf(state)) }));
  setHandler(siteAccessChangedSignal, (change) => applySiteAccessChange(state, change));
  setHandler(memberEmailChangedSignal, (change) => applyEmailChange(state, change));
  // A first run whose starter set the attributes (lifecycleStart) has nothing to upsert.
  if (input.state || !input.startAttributes) {
    upsertSearchAttributes([
      { key: searchAttributes.orgSlug, value: orgSlug },
      { key: searchAttributes.memberEmail, value: state.email },
      { key: searchAttributes.memberStatus, value: state.status },
      { key: searchAttributes.siteAccessPending, value: state.siteAccessPending },
      ...(state.siteAccessPendingSince ? [pendingSinceAttribute(state)] : []),
    ]);
  }

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
    // The stamp tells sign-ins this member's lifecycle runs (see provision-identity.ts); the same
    // activity nudges the org's site-access reminders and reads since when the member waits.
    // Lifecycles started with their attributes (lifecycleStart) are all newer than the patch: they skip
    // the call, and with it the search-attribute upsert patched() costs.
    if (input.startAttributes || patched('lifecycle-started-stamp')) {
      const stamped = await recordLifecycleStarted(started);
      // Versioned by the recorded result, not by patched() (which costs every lifecycle another
      // search-attribute upsert): results recorded before the wait was read are undefined.
      if (stamped) applySiteAccessChange(state, { pendingSince: stamped.waitingSince, changedAt: stamped.readAt });
      // Results recorded before status decisions were read carry none.
      if (stamped?.decided) seedStatus(state, stamped.decided);
    } else await recordAuditEvent(started);
  }
  decisions.open();

  await condition(() => workflowInfo().continueAsNewSuggested && allHandlersFinished());
  await continueAsNew<typeof memberLifecycleWorkflow>({ ...input, state });
}

/**
 * Projects the member's site access (read at start, then each committed change the api signals)
 * into the search attributes operators filter on. Signals from different api replicas may overtake
 * each other: an older change is ignored, and one that changes nothing costs no upsert.
 */
function applySiteAccessChange(state: MemberLifecycleState, { pendingSince, changedAt }: SiteAccessChange): void {
  if (state.siteAccessChangedAt && Date.parse(changedAt) <= Date.parse(state.siteAccessChangedAt)) return;
  state.siteAccessChangedAt = changedAt;
  const pending = pendingSince !== null;
  if (pending === state.siteAccessPending && (pendingSince ?? undefined) === state.siteAccessPendingSince) return;
  state.siteAccessPending = pending;
  state.siteAccessPendingSince = pendingSince ?? undefined;
  upsertSearchAttributes([{ key: searchAttributes.siteAccessPending, value: pending }, pendingSinceAttribute(state)]);
}
