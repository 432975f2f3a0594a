import { z } from 'zod';
import type { Sql } from '../db/client.ts';
import type { InvitationEmailOutcome } from '../workflows/definitions.ts';
import { sendLoggedEmail, type EmailInput, type Mailer } from './email.ts';
import { ValidationError } from './errors.ts';

export interface InvitationEmailRequest {
  invitationId: string;
  email: EmailInput;
}

interface InvitationState {
  status: 'pending' | 'accepted' | 'revoked';
  expired: boolean;
}

/** Why an invitation must not be mailed now, or undefined while it is pending and unexpired. */
function reasonNotToSend(invitation: InvitationState | undefined): Exclude<InvitationEmailOutcome, 'sent' | 'cancelled'> | undefined {
  // A missing row went with its organisation: as final as a revoke.
  if (!invitation || invitation.status === 'revoked') return 'revoked';
  if (invitation.status === 'accepted') return 'accepted';
  if (invitation.expired) return 'expired';
  return undefined;
}

export function invitationActivities(sql: Sql, mailer: Mailer) {
  return {
    /**
     * Mails the invitation only while it is pending and unexpired, checked at every attempt. The row
     * stays locked FOR SHARE until SMTP has accepted the message, so a revoke or acceptance committed
     * before the send is seen here, and one arriving during the send waits for it (SMTP timeouts in
     * worker/mailer.ts bound that wait). Idempotent: the email log sends the key once, and a retry
     * after a revoke finds the revoke.
     */
    async sendInvitationEmail({ invitationId, email }: InvitationEmailRequest): Promise<Exclude<InvitationEmailOutcome, 'cancelled'>> {
      // Otherwise every retry until expiry fails on the same cast error.
      if (!z.uuid().safeParse(invitationId).success) throw new ValidationError(`invitation id ${invitationId} is not a UUID`);
      return sql.begin(async (tx) => {
        const [invitation]: [InvitationState?] = await tx`
          select status, expires_at <= now() as expired from invitations where id = ${invitationId} for share`;
        const reason = reasonNotToSend(invitation);
        if (reason) return reason;
        await sendLoggedEmail(tx, mailer, email);
        return 'sent';
      });
    },
  };
}
