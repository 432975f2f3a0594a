/**
 * Floors for `npm run bench`: the least a sign-in through Temporal can cost on this server, one
 * workflow running the same provisioning transaction once, as a local or as a regular activity.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ProvisionIdentityInput, ProvisionOutcome } from '../workflows/definitions.ts';

const timeouts = { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } } as const;
const local = proxyLocalActivities<Activities>(timeouts);
const regular = proxyActivities<Activities>(timeouts);

export async function oneLocalActivityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  return local.provisionIdentity(input);
}

export async function oneActivityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  return regular.provisionIdentity(input);
}
