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
     * Mails the invitation only while it is pending and unexpired, checked at every attempt, so a
     * revoke or acceptance committed before the attempt is honoured. No lock is held across SMTP: a
     * slow mail server must not hold up the invitee's sign-in or an admin's revoke, and a revoke
     * landing during the SMTP exchange could not recall the message anyway. Idempotent: the email
     * log sends the key once, and a retry after a revoke finds the revoke.
     */
    async sendInvitationEmail({ invitationId, email }: InvitationEmailRequest): Promise<Exclude<InvitationEmailOutcome, 'cancelled'>> {
      // Otherwise every retry until expiry fails on the same cast error.
      if (!z.uuid().safeParse(invitationId).success) throw new ValidationError(`invitation id ${invitationId} is not a UUID`);
      const [invitation]: [InvitationState?] = await sql`
        select status, expires_at <= now() as expired from invitations where id = ${invitationId}`;
      const reason = reasonNotToSend(invitation);
      if (reason) return reason;
      await sendLoggedEmail(sql, mailer, email);
      return 'sent';
    },
  };
}
