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

const START_DEADLINE_MS = 5_000;
const PROVISION_WAIT_MS = 20_000;

/** A stable, opaque key for (connection, iss, sub): the same person always maps to the same workflow ID. */
export const identityKey = (connectionId: string, iss: string, sub: string) =>
  createHash('sha256').update(`${connectionId}\n${iss}\n${sub}`).digest('hex').slice(0, 32);

/**
 * Runs (or joins) the sign-in workflow of one identity and waits for the account. Concurrent
 * callbacks for the same identity attach to one execution (USE_EXISTING), so only one provisions.
 */
export async function provisionSignIn(client: Client, taskQueue: string, input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  // The person is waiting in the browser: an unreachable Temporal gets a clear answer within seconds.
  const handle = await client.connection
    .withDeadline(Date.now() + START_DEADLINE_MS, () =>
      client.workflow.start(provisionIdentityWorkflow, {
        taskQueue,
        workflowId: signInWorkflowId(input.orgSlug, identityKey(input.connectionId, input.iss, input.sub)),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        args: [input],
      }),
    )
    .catch((cause: unknown) => {
      throw Object.assign(new ClientError(503, 'temporarily_unavailable', 'Sign-in is temporarily unavailable. Please try again in a minute.'), { cause });
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ClientError(503, 'provisioning_slow', 'Setting up your account is taking longer than usual. Please sign in again in a minute.')),
      PROVISION_WAIT_MS,
    );
  });
  try {
    return await Promise.race([handle.result(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
