/**
 * The sign-in workflow as workers ran it before the signInOutcome update existed: the outcome is
 * the workflow's result. A worker on this code is what a rolling deploy puts beside a new api.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../../activities/index.ts';
import type { ProvisionIdentityInput, ProvisionOutcome } from '../../../workflows/definitions.ts';

const { provisionIdentity } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function provisionIdentityWorkflow(input: ProvisionIdentityInput): Promise<ProvisionOutcome> {
  return provisionIdentity(input);
}
