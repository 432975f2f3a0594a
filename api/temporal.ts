import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { createHash } from 'node:crypto';
import {
  signInWorkflowId,
  type ProvisionIdentityInput,
  type ProvisionOutcome,
} from '../workflows/definitions.ts';
import { provisionIdentityWorkflow } from '../workflows/index.ts';
import { ClientError } from './errors.ts';
import { withTimeout } from './timeout.ts';

const START_DEADLINE_MS = 5_000;
const PROVISION_WAIT_MS = 20_000;
/** The longest a request waits on Temporal (a sign-in callback): shutdown lets such requests finish. */
export const LONGEST_TEMPORAL_WAIT_MS = START_DEADLINE_MS + PROVISION_WAIT_MS;

/** A stable, opaque key for (connection, iss, sub): the same person always maps to the same workflow ID. */
export const identityKey = (connectionId: string, iss: string, sub: string) =>
  createHash('sha256').update(`${connectionId}\n${iss}\n${sub}`).digest('hex').slice(0, 32);

/**
 * Starts a workflow for a request someone is waiting on: an unreachable Temporal gets a clear
 * answer (`unavailable`, 503) within seconds instead of the client's long retries.
 */
export function startOrUnavailable<T>(client: Client, start: () => Promise<T>, unavailable: ClientError): Promise<T> {
  return client.connection.withDeadline(Date.now() + START_DEADLINE_MS, start).catch((cause: unknown) => {
    throw Object.assign(unavailable, { cause });
  });
}

/**
 * Runs (or joins) the sign-in workflow of one identity and waits for the account. Concurrent
 * callbacks for the same identity attach to one execution (USE_EXISTING), so only one provisions.
 */
export async function provisionSignIn(client: Client, taskQueue: string, input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  const handle = await startOrUnavailable(
    client,
    () =>
      client.workflow.start(provisionIdentityWorkflow, {
        taskQueue,
        workflowId: signInWorkflowId(input.orgSlug, identityKey(input.connectionId, input.iss, input.sub)),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        args: [input],
      }),
    new ClientError(503, 'temporarily_unavailable', 'Sign-in is temporarily unavailable. Please try again in a minute.'),
  );
  return withTimeout(
    handle.result(),
    PROVISION_WAIT_MS,
    () => new ClientError(503, 'provisioning_slow', 'Setting up your account is taking longer than usual. Please sign in again in a minute.'),
  );
}
