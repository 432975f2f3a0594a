import { WithStartWorkflowOperation, type Client, type Connection } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { setTimeout } from 'node:timers/promises';
import { newMemberId } from '../auth/tokens.ts';
import type { Queryable } from '../db/client.ts';
import { memberOfIdentity } from '../db/identities.ts';
import {
  lifecycleStart,
  memberWorkflowId,
  signInUpdate,
  workflowTypes,
  type MemberLifecycleWorkflow,
  type ProvisionIdentityInput,
  type ProvisionOutcome,
} from '../workflows/definitions.ts';
import type { AppDeps } from './context.ts';
import { ClientError } from './errors.ts';

type TemporalClients = AppDeps['temporal'];

const START_DEADLINE_MS = 5_000;
const PROVISION_WAIT_MS = 20_000;
const PROBE_AFTER_MS = 2_000;
const HEALTH_DEADLINE_MS = 1_500;
/** The longest a request waits on Temporal (a sign-in callback): shutdown lets such requests finish. */
export const LONGEST_TEMPORAL_WAIT_MS = Math.max(START_DEADLINE_MS, PROVISION_WAIT_MS);

/**
 * Starts a workflow for a request someone is waiting on: an unreachable Temporal gets a clear
 * answer (`unavailable`, 503) within seconds instead of the client's long retries.
 */
export function startOrUnavailable<T>(client: Client, start: () => Promise<T>, unavailable: ClientError): Promise<T> {
  return client.connection.withDeadline(Date.now() + START_DEADLINE_MS, start).catch((cause: unknown) => {
    throw Object.assign(unavailable, { cause });
  });
}

const checking = new WeakMap<Connection, Set<Promise<unknown>>>();

/** One health check; a gRPC deadline, not only a timer, so the client's retries stop when it gives up. */
export function checkTemporal(connection: Connection): Promise<unknown> {
  const check = connection.withDeadline(Date.now() + HEALTH_DEADLINE_MS, () => connection.healthService.check({}));
  const inFlight = checking.get(connection) ?? checking.set(connection, new Set()).get(connection)!;
  inFlight.add(check);
  check.then(
    () => inFlight.delete(check),
    () => inFlight.delete(check),
  );
  return check;
}

/**
 * Closes the connection once the health checks still in flight have settled (within their deadline
 * plus one retry delay). A check its caller stopped waiting for (`/readyz`'s timer) may have a
 * retry scheduled, and a retry on a closed channel throws where nothing can catch it.
 */
export async function closeTemporal(connection: Connection): Promise<void> {
  await Promise.allSettled([...(checking.get(connection) ?? [])]);
  await connection.close();
}

const unavailable = () => new ClientError(503, 'temporarily_unavailable', 'Sign-in is temporarily unavailable. Please try again in a minute.');
const slow = () => new ClientError(503, 'provisioning_slow', 'Setting up your account is taking longer than usual. Please sign in again in a minute.');

/**
 * Sends a sign-in to the lifecycle of the member it will resolve to and answers as soon as the
 * account is settled: a linked identity's member, or the member a first sign-in will create
 * (`newMemberId`). Update-with-start: a lifecycle that does not run (a first sign-in, or one an
 * operator terminated) is started by the sign-in and provisions it in its first task; concurrent
 * callbacks of the same identity attach to one execution (USE_EXISTING) and share its answer.
 */
export async function provisionSignIn(temporal: TemporalClients, sql: Queryable, taskQueue: string, input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  const { client, connection } = temporal;
  const memberId = (await memberOfIdentity(sql, input)) ?? newMemberId(input.connectionId, input.iss, input.sub);
  const { orgId, orgSlug, emailHash } = input;
  const startWorkflowOperation = new WithStartWorkflowOperation<MemberLifecycleWorkflow>(workflowTypes.memberLifecycle, {
    taskQueue,
    workflowId: memberWorkflowId(orgSlug, memberId),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    ...lifecycleStart({ orgId, orgSlug, memberId, emailHash, waitingSince: null, signIn: input }),
  });
  const outcome = connection
    .withDeadline(Date.now() + PROVISION_WAIT_MS, () =>
      client.workflow.executeUpdateWithStart(signInUpdate, { args: [input], startWorkflowOperation }),
    )
    .catch((cause: unknown) => Promise.reject(Object.assign(slow(), { cause })));
  const probe = new AbortController();
  try {
    return await Promise.race([outcome, failIfUnreachable(connection, probe.signal)]);
  } finally {
    probe.abort();
  }
}

/**
 * A slow answer is a busy worker or an unreachable Temporal (whose client retries until the
 * deadline): after a moment one health check tells them apart, so the second gets its 503 in seconds.
 */
async function failIfUnreachable(connection: Connection, signal: AbortSignal): Promise<never> {
  await setTimeout(PROBE_AFTER_MS, undefined, { signal }).catch(() => undefined);
  if (!signal.aborted) {
    const reachable = await checkTemporal(connection).then(() => true, () => false);
    if (!reachable) throw unavailable();
  }
  return new Promise<never>(() => {});
}
