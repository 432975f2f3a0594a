/**
 * Floors for `npm run bench`: the least a sign-in through Temporal can cost on this server, one
 * workflow running the same provisioning transaction once, as a local or as a regular activity (a
 * new member's id chosen by the workflow, as a lifecycle's is; no lifecycle stamp, no reminder nudge).
 */
import { proxyActivities, proxyLocalActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ProvisionIdentityInput, ProvisionOutcome } from '../workflows/definitions.ts';

const timeouts = { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } } as const;
const local = proxyLocalActivities<Activities>(timeouts);
const regular = proxyActivities<Activities>(timeouts);

export async function oneLocalActivityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  return local.provisionIdentity(input, { memberId: uuid4() });
}

export async function oneActivityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  return regular.provisionIdentity(input, { memberId: uuid4() });
}
