import { ActivityFailure, condition, log, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  applyAdminAction,
  applyDirectoryEvent,
  disabledBy,
  effectiveStatus,
  followingDirectory,
  MAX_REASON_LENGTH,
  statusView,
  type AdminAction,
  type DirectoryWord,
  type StatusDecision,
} from '../domain/lifecycle.ts';
import type { MemberRef } from '../domain/member.ts';
import { retryPolicy } from './activity-retry.ts';
import { applyEmailChange } from './member-email.ts';
import {
  directoryEventSignal,
  disableMemberUpdate,
  enableMemberUpdate,
  followDirectoryUpdate,
  searchAttributes,
  type MemberLifecycleState,
  type MemberStatusRequest,
} from './definitions.ts';

// Retried until PostgreSQL answers: a decision, once taken, is projected.
const { projectMemberStatus } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: retryPolicy({ initialInterval: '500 milliseconds', maximumInterval: '30 seconds' }),
});

/** Who asked: the directory (a signal) or an org admin (an update). */
type Cause = { directory: { seq: number; at: string } } | { admin: { action: AdminAction; by: string; reason: string | null } };

const adminUpdates = [
  [disableMemberUpdate, 'disable'],
  [enableMemberUpdate, 'enable'],
  [followDirectoryUpdate, 'follow_directory'],
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Refused before it enters history: the api checks the same, so only a bad client gets here. */
function validateRequest({ by, reason }: MemberStatusRequest): void {
  if (typeof by !== 'string' || !UUID.test(by)) throw new Error('`by` must be the acting admin\'s member id.');
  if (reason != null && (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)) throw new Error(`\`reason\` must be text of at most ${MAX_REASON_LENGTH} characters.`);
}

export const decisionOf = (state: MemberLifecycleState): StatusDecision => ({
  directory: state.directory ?? followingDirectory.directory,
  override: state.override ?? null,
});

/**
 * The member's status decisions: directory events (signals) and admin decisions (updates) are
 * taken one at a time, in arrival order, each projected into PostgreSQL before the next is
 * considered, so the lifecycle stays the single writer of the status. They wait until `open()`:
 * the lifecycle's start is recorded first.
 */
export function handleStatusDecisions(member: MemberRef, state: MemberLifecycleState) {
  let opened = false;
  let queue: Promise<unknown> = condition(() => opened);
  const inTurn = <T>(take: () => Promise<T>): Promise<T> => {
    const turn = queue.then(take);
    queue = turn.catch(() => undefined);
    return turn;
  };
  const decide = (next: StatusDecision | undefined, cause: Cause) => applyDecision(member, state, next, cause);
  // Only a vanished member row fails a directory decision; the lifecycle itself goes on.
  const applyDirectory = async (event: DirectoryWord): Promise<void> => {
    await decide(applyDirectoryEvent(decisionOf(state), event), { directory: event }).catch((err: unknown) => {
      log.error('directory event not applied', { err, seq: event.seq });
    });
  };

  setHandler(directoryEventSignal, (event) => {
    if (event.emailHash) applyEmailChange(state, { emailHash: event.emailHash, changedAt: event.at });
    return inTurn(() => applyDirectory(event));
  });
  for (const [update, action] of adminUpdates) {
    const handler = (request: MemberStatusRequest) =>
      inTurn(async () => {
        const admin = { action, by: request.by, reason: request.reason ?? null };
        const next = applyAdminAction(decisionOf(state), { ...admin, at: new Date().toISOString() });
        const changed = await decide(next, { admin });
        return { ...statusView(decisionOf(state)), changed };
      });
    setHandler(update, handler, { validator: validateRequest });
  }
  return {
    /**
     * Before the queue opens: the directory's latest committed word, as PostgreSQL has it. A
     * lifecycle started again after a terminate takes it first, so an older event still in flight
     * is older than what it applied and never re-enables a removed member.
     */
    catchUp: async (latest: DirectoryWord | null) => {
      if (latest) await applyDirectory(latest);
    },
    open: () => void (opened = true),
  };
}

/**
 * A lifecycle started again (an earlier one was terminated) goes on from the decisions the earlier
 * one projected, so an admin's manual disable is not forgotten; the attributes follow when they
 * differ from a fresh member's.
 */
export function seedStatus(state: MemberLifecycleState, decided: { status: MemberLifecycleState['status'] } & StatusDecision): void {
  Object.assign(state, { status: decided.status, directory: decided.directory, override: decided.override });
  if (decided.status === 'active' && !decided.override && !disabledBy(decided)) return;
  upsertSearchAttributes([
    { key: searchAttributes.memberStatus, value: decided.status },
    { key: searchAttributes.disabledBy, value: disabledBy(decided) },
    { key: searchAttributes.statusOverride, value: decided.override?.kind ?? null },
  ]);
}

/** Takes one decision: projects it if it changes what PostgreSQL shows, then updates state and search attributes. */
async function applyDecision(member: MemberRef, state: MemberLifecycleState, next: StatusDecision | undefined, cause: Cause): Promise<boolean> {
  if (!next) return false;
  const before = decisionOf(state);
  const status = effectiveStatus(next);
  const overrideChanged = next.override !== before.override;
  if (status !== state.status || overrideChanged || next.directory.state !== before.directory.state) {
    const number = (state.statusDecisions ?? 0) + 1;
    const admin = 'admin' in cause ? cause.admin : undefined;
    await projectMemberStatus({
      ...member,
      // Per chain of runs: a lifecycle started again after a terminate counts from 1 anew.
      idempotencyKey: `${workflowInfo().workflowId}/${workflowInfo().firstExecutionRunId}/status/${number}`,
      status,
      previous: state.status,
      directoryState: next.directory.state,
      override: next.override,
      audit: status !== state.status || overrideChanged ? auditEvent(state.status, next, cause) : null,
      guardLastAdmin: admin !== undefined && status === 'disabled' && state.status === 'active',
    }).catch(unwrapRefusal);
    state.statusDecisions = number;
  }
  const attributesChanged = status !== state.status || overrideChanged || disabledBy(next) !== disabledBy(before);
  Object.assign(state, { status, directory: next.directory, override: next.override });
  if (attributesChanged) {
    upsertSearchAttributes([
      { key: searchAttributes.memberStatus, value: status },
      { key: searchAttributes.disabledBy, value: disabledBy(next) },
      { key: searchAttributes.statusOverride, value: next.override?.kind ?? null },
    ]);
  }
  return true;
}

/** `member.disabled` / `member.enabled` when the status flips, else the override's change; actor `directory` or `member:{id}`. */
function auditEvent(previous: MemberLifecycleState['status'], next: StatusDecision, cause: Cause) {
  const status = effectiveStatus(next);
  const type = status === previous ? 'member.status_override_changed' : `member.${status === 'disabled' ? 'disabled' : 'enabled'}`;
  const facts = { status, previous, directoryState: next.directory.state, override: next.override?.kind ?? null, disabledBy: disabledBy(next) };
  if ('directory' in cause) return { actor: 'directory', type, data: { ...facts, seq: cause.directory.seq, at: cause.directory.at } };
  const { action, by, reason } = cause.admin;
  return { actor: `member:${by}`, type, data: { ...facts, action, reason } };
}

/** An admin's refusal (the last active org admin) answers the update with the activity's own failure. */
function unwrapRefusal(err: unknown): never {
  throw err instanceof ActivityFailure && err.cause ? err.cause : err;
}
