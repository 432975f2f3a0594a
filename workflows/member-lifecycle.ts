import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import { statusView } from '../domain/lifecycle.ts';
import { retryPolicy } from './activity-retry.ts';
import { applyEmailChange } from './member-email.ts';
import { decisionOf, handleStatusDecisions, seedStatus } from './member-status.ts';
import {
  lifecycleStart,
  memberEmailChangedSignal,
  memberStateQuery,
  memberWorkflowId,
  searchAttributes,
  signInUpdate,
  siteAccessChangedSignal,
  type LifecycleSeed,
  type MemberLifecycleInput,
  type MemberLifecycleState,
  type ProvisionIdentityInput,
  type ProvisionOutcome,
  type SiteAccessChange,
} from './definitions.ts';

// Local: one short transaction in the first workflow task, so starting a lifecycle costs no
// activity task and no second workflow task.
const { recordLifecycleStarted } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '1 second', maximumInterval: '1 minute' }),
});

// Local: one short, idempotent transaction on the sign-in's critical path (bench/ compares it with a regular activity).
const { provisionIdentity } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: retryPolicy({ initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' }),
});

const pendingSinceAttribute = (state: MemberLifecycleState): SearchAttributeUpdatePair => ({
  key: searchAttributes.siteAccessPendingSince,
  value: state.siteAccessPendingSince ? new Date(state.siteAccessPendingSince) : null,
});

/**
 * Single writer of one member's lifecycle and status; lives as long as the member does. Status
 * decisions (directory events, admin updates) are taken in member-status.ts; the member's sign-ins
 * are provisioned here (signInUpdate).
 *
 * A first sign-in starts it (api/temporal.ts): the run is named for the member that sign-in will
 * make, provisions it in its first workflow task and answers the sign-in from there, so a new
 * member costs one workflow and one task. A first run whose sign-in is refused or resolves to
 * another member (an existing one it links to, whose lifecycle it starts if it never ran) ends,
 * unless a member has this run's id (their lifecycle was terminated): then it is theirs.
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

  // The sign-in that started this run is provisioned with the seed, and shared by callbacks of
  // the same sign-in that attach meanwhile; every later sign-in is provisioned on its own.
  const provision = async (signIn: ProvisionIdentityInput, seed?: { idempotencyKey: string }): Promise<ProvisionOutcome> => {
    const outcome = await provisionIdentity(signIn, { memberId, ...(seed ? { seed } : {}) });
    if (outcome.outcome === 'refused') return outcome;
    const change = outcome.emailChangedAt ? { emailHash: signIn.emailHash, changedAt: outcome.emailChangedAt } : undefined;
    if (outcome.memberId === memberId) {
      if (change) applyEmailChange(state, change);
    } else if (!outcome.lifecycleStarted) {
      await ensureLifecycle(input, signIn.emailHash, outcome);
    } else if (change) {
      // Its lifecycle runs (or will take the stored email when it starts): it follows.
      await getExternalWorkflowHandle(memberWorkflowId(orgSlug, outcome.memberId)).signal(memberEmailChangedSignal, change).catch(() => undefined);
    }
    return outcome;
  };
  const startedBy = !input.state ? input.signIn : undefined;
  let first = startedBy ? provision(startedBy, { idempotencyKey: `${workflowInfo().workflowId}/lifecycle-started` }) : undefined;
  const firstSettled = first?.finally(() => (first = undefined));
  // Only callbacks of the same identity share the first answer: another identity may reach this
  // member's id too (an identity linked to them, while the one whose first sign-in named them is reset).
  const sameIdentity = (signIn: ProvisionIdentityInput) =>
    startedBy !== undefined && signIn.connectionId === startedBy.connectionId && signIn.iss === startedBy.iss && signIn.sub === startedBy.sub;

  const decisions = handleStatusDecisions({ orgId, orgSlug, memberId }, state);
  setHandler(memberStateQuery, () => ({ orgId, orgSlug, memberId, ...state, ...decisionOf(state), ...statusView(decisionOf(state)) }));
  setHandler(siteAccessChangedSignal, (change) => applySiteAccessChange(state, change));
  setHandler(memberEmailChangedSignal, (change) => applyEmailChange(state, change));
  setHandler(signInUpdate, (signIn) => (first && sameIdentity(signIn) ? first : provision(signIn)));
  if (input.state) {
    upsertSearchAttributes([
      { key: searchAttributes.orgSlug, value: orgSlug },
      { key: searchAttributes.memberEmailHash, value: state.emailHash },
      { key: searchAttributes.memberStatus, value: state.status },
      { key: searchAttributes.siteAccessPending, value: state.siteAccessPending },
      ...(state.siteAccessPendingSince ? [pendingSinceAttribute(state)] : []),
    ]);
  } else {
    // A run whose sign-in resolved elsewhere may still be named for a real member (one whose
    // lifecycle an operator terminated): then it is theirs, stamped as any other start.
    const seed = (firstSettled && (await seedFromSignIn(input, firstSettled))) ?? (await recordStart(input));
    if (!seed) {
      // Not a member's lifecycle: what its start options said must not show it as one (one upsert,
      // on this rare path only).
      upsertSearchAttributes([
        { key: searchAttributes.memberEmailHash, value: null },
        { key: searchAttributes.memberStatus, value: null },
        { key: searchAttributes.siteAccessPending, value: null },
      ]);
      await condition(allHandlersFinished);
      return;
    }
    // The starter's MemberEmailHash may be of another address (a sign-in's refused change).
    applyEmailChange(state, { emailHash: seed.emailHash, changedAt: seed.readAt });
    seedStatus(state, seed.decided);
    applySiteAccessChange(state, { pendingSince: seed.noSiteSince, changedAt: seed.readAt });
    await decisions.catchUp(seed.directory);
  }
  decisions.open();
  void followStatus(state);

  await condition(() => workflowInfo().continueAsNewSuggested && allHandlersFinished());
  const { signIn: _started, ...carried } = input;
  await continueAsNew<typeof memberLifecycleWorkflow>({ ...carried, state });
}

/**
 * A run a directory event, an operator or an invitation started: the stamp tells sign-ins this
 * member's lifecycle runs; the same activity nudges the org's site-access reminders and reads since
 * when the member waits and what an earlier lifecycle of this member (one terminated) decided. The
 * key makes the audit event exactly-once even if this activity is retried or the worker crashes.
 */
function recordStart(input: MemberLifecycleInput): Promise<LifecycleSeed | undefined> {
  return recordLifecycleStarted({
    idempotencyKey: `${workflowInfo().workflowId}/lifecycle-started`,
    orgId: input.orgId,
    memberId: input.memberId,
    actor: 'system',
    type: 'member.lifecycle_started',
    data: { source: input.source },
  });
}

/**
 * The seed of a run a sign-in started, if its provisioning resolved to this member (and so stamped
 * them); otherwise undefined, and the run stamps its member as any other start does, or ends when
 * no member has its id.
 */
async function seedFromSignIn(input: MemberLifecycleInput, outcome: Promise<ProvisionOutcome>): Promise<LifecycleSeed | undefined> {
  const settled = await outcome;
  return settled.outcome !== 'refused' && settled.memberId === input.memberId ? settled.lifecycle : undefined;
}

/**
 * A sign-in this lifecycle provisioned resolved to another member (an existing one it linked to,
 * or one made when this member's id was taken) whose lifecycle never stamped them: it must run.
 */
async function ensureLifecycle({ orgId, orgSlug }: MemberLifecycleInput, emailHash: string, member: Exclude<ProvisionOutcome, { outcome: 'refused' }>): Promise<void> {
  try {
    await startChild(memberLifecycleWorkflow, {
      workflowId: memberWorkflowId(orgSlug, member.memberId),
      ...lifecycleStart({ orgId, orgSlug, memberId: member.memberId, emailHash, source: member.source, waitingSince: member.waitingSince }),
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
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
