import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import { startInvitationEmail, type InvitationToMail } from '../temporal/invitation-email.ts';
import { OperatorError } from './errors.ts';

const TEMPORAL_DEADLINE_MS = 5_000;

/**
 * Queues an operator's invitation email through the same workflow as the api. If Temporal does not
 * answer, the invitation stays saved and the operator is told to rerun: the rerun finds the same
 * pending invitation and queues its email once.
 */
export async function queueInvitationEmail(config: Config, invited: InvitationToMail): Promise<void> {
  const { address, namespace, taskQueue } = config.temporal;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: TEMPORAL_DEADLINE_MS });
    const client = new Client({ connection, namespace });
    await connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
      startInvitationEmail(client, { taskQueue, publicUrl: config.publicUrl }, invited),
    );
  } catch (cause) {
    throw new OperatorError(
      `the invitation for ${invited.invitation.email} is saved, but its email was NOT queued: Temporal at ${address} ` +
        `(namespace ${namespace}) did not accept it (${(cause as Error).message}). Rerun the same command once Temporal is reachable.`,
      { cause },
    );
  } finally {
    await connection?.close();
  }
}
