import type { Config } from '../config/index.ts';
import { startInvitationEmail, type InvitationToMail } from '../temporal/invitation-email.ts';
import { OperatorError } from './errors.ts';
import { withTemporal } from './temporal.ts';

/**
 * Queues an operator's invitation email through the same workflow as the api. If Temporal does not
 * answer, the invitation stays saved and the operator is told to rerun: the rerun finds the same
 * pending invitation and queues its email once.
 */
export async function queueInvitationEmail(config: Config, invited: InvitationToMail): Promise<void> {
  const { address, namespace, taskQueue } = config.temporal;
  try {
    await withTemporal(config, (client) => startInvitationEmail(client, { taskQueue, publicUrl: config.publicUrl }, invited));
  } catch (cause) {
    throw new OperatorError(
      `the invitation for ${invited.invitation.email} is saved, but its email was NOT queued: Temporal at ${address} ` +
        `(namespace ${namespace}) did not accept it (${(cause as Error).message}). Rerun the same command once Temporal is reachable.`,
      { cause },
    );
  }
}
