import {
  allHandlersFinished,
  condition,
  continueAsNew,
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

// Local: one short transaction in the first workflow task, so starting a lifecycle (at every first
// sign-in) costs no activity task and no second workflow task.
const { recordLifecycleStarted } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '1 second', maximumInterval: '1 minute' }),
});

const pendingSinceAttribute = (state: MemberLifecycleState): SearchAttributeUpdatePair => ({
  key: searchAttributes.siteAccessPendingSince,
  value: state.siteAccessPendingSince ? new Date(state.siteAccessPendingSince) : null,
});

/**
 * Single writer of one member's lifecycle and status; lives as long as the member does. Status
 * decisions (directory events, admin updates) are taken in member-status.ts.
 */
export async function memberLifecycleWorkflow(input: MemberLifecycleInput): Promise<void> {
  const { orgId, orgSlug, memberId, waitingSince } = input;
  // A first run starts from what its start options set in the search attributes (lifecycleStart).
  const state: MemberLifecycleState = input.state ?? {
    status: 'active',
    siteAccessPending: waitingSince !== null,
    emailHash: input.emailHash,
    ...(waitingSince ? { siteAccessPendingSince: waitingSince } : {}),
  };

  const decisions = handleStatusDecisions({ orgId, orgSlug, memberId }, state);
  setHandler(memberStateQuery, () => ({ orgId, orgSlug, memberId, ...state, ...decisionOf(state), ...statusView(decisionOf(state)) }));
  setHandler(siteAccessChangedSignal, (change) => applySiteAccessChange(state, change));
  setHandler(memberEmailChangedSignal, (change) => applyEmailChange(state, change));
  if (input.state) {
    upsertSearchAttributes([
      { key: searchAttributes.orgSlug, value: orgSlug },
      { key: searchAttributes.memberEmailHash, value: state.emailHash },
      { key: searchAttributes.memberStatus, value: state.status },
      { key: searchAttributes.siteAccessPending, value: state.siteAccessPending },
      ...(state.siteAccessPendingSince ? [pendingSinceAttribute(state)] : []),
    ]);
  } else {
    // The stamp tells sign-ins this member's lifecycle runs (see provision-identity.ts); the same
    // activity nudges the org's site-access reminders and reads since when the member waits and
    // what an earlier lifecycle of this member (one terminated) decided. The key makes the audit
    // event exactly-once even if this activity is retried or the worker crashes.
    const stamped = await recordLifecycleStarted({
      idempotencyKey: `${workflowInfo().workflowId}/lifecycle-started`,
      orgId,
      memberId,
      actor: 'system',
      type: 'member.lifecycle_started',
      data: { source: input.source },
    });
    if (stamped) {
      seedStatus(state, stamped.decided);
      applySiteAccessChange(state, { pendingSince: stamped.noSiteSince, changedAt: stamped.readAt });
      await decisions.catchUp(stamped.directory);
    }
  }
  decisions.open();
  void followStatus(state);

  await condition(() => workflowInfo().continueAsNewSuggested && allHandlersFinished());
  await continueAsNew<typeof memberLifecycleWorkflow>({ ...input, state });
}

/**
 * Waiting for a site, as db/site-access.ts `waitsForSite` rules it: active, with the clock running
 * that PostgreSQL keeps while a plain member has no site. The clock comes from outside (start,
 * signals); the status is this lifecycle's own, so a disabled member stops waiting here the moment
 * the decision is taken, and waits again when enabled without a site.
 */
const waitsForSite = (state: MemberLifecycleState): boolean => state.status === 'active' && state.siteAccessPendingSince !== undefined;

/** One upsert for whatever changed of SiteAccessPending and (if the clock moved) SiteAccessPendingSince. */
function projectSiteAccess(state: MemberLifecycleState, clockMoved: boolean): void {
  const pending = waitsForSite(state);
  if (pending === state.siteAccessPending && !clockMoved) return;
  state.siteAccessPending = pending;
  upsertSearchAttributes([{ key: searchAttributes.siteAccessPending, value: pending }, ...(clockMoved ? [pendingSinceAttribute(state)] : [])]);
}

/**
 * Keeps SiteAccessPending with the status decisions (member-status.ts): a disable or enable of a
 * member without a site flips it, in the same workflow task as the decision's own upsert.
 */
async function followStatus(state: MemberLifecycleState): Promise<never> {
  for (;;) {
    await condition(() => waitsForSite(state) !== state.siteAccessPending);
    projectSiteAccess(state, false);
  }
}

/**
 * Projects the member's site-access clock (read at start, then each committed change the api
 * signals) into the search attributes operators filter on. Signals from different api replicas may
 * overtake each other: an older change is ignored, and one that changes nothing costs no upsert.
 */
function applySiteAccessChange(state: MemberLifecycleState, { pendingSince, changedAt }: SiteAccessChange): void {
  if (state.siteAccessChangedAt && Date.parse(changedAt) <= Date.parse(state.siteAccessChangedAt)) return;
  state.siteAccessChangedAt = changedAt;
  const since = pendingSince ?? undefined;
  const clockMoved = since !== state.siteAccessPendingSince;
  state.siteAccessPendingSince = since;
  projectSiteAccess(state, clockMoved);
}
