import { randomUUID } from 'node:crypto';
import { provisioningActivities } from '../../activities/provisioning.ts';
import type { Sql } from '../../db/client.ts';
import { newMemberId } from '../../auth/tokens.ts';
import { memberWorkflowId, type ProvisionIdentityInput } from '../../workflows/definitions.ts';
import { reminderSettings } from './temporal.ts';
import { unseededPorts } from './unseeded-ports.ts';

/**
 * The provisioning transaction called directly, as a running lifecycle's sign-in runs it (no seed
 * asked, so no lifecycle stamp and no reminder nudge): a member it creates takes a fresh id.
 */
export function directProvisioning(sql: Sql) {
  const { provisionIdentity } = provisioningActivities(sql, reminderSettings().policy, unseededPorts);
  return { provisionIdentity: (input: ProvisionIdentityInput) => provisionIdentity(input, { memberId: randomUUID() }) };
}

/** The workflow ID of the lifecycle a first sign-in of (connection, iss, sub) starts and is provisioned in. */
export const firstSignInLifecycleId = (orgSlug: string, connectionId: string, iss: string, sub: string): string =>
  memberWorkflowId(orgSlug, newMemberId(connectionId, iss, sub));
