import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { InvitationEmailInput } from './definitions.ts';

const { sendEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // SMTP outages are waited out; the invitation row already exists, the email follows when it can.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['ValidationError'] },
});

const roleNames = { member: 'a member', org_admin: 'an org admin' } as const;

export async function sendInvitationWorkflow(input: InvitationEmailInput): Promise<void> {
  await sendEmail({
    idempotencyKey: `invitation/${input.invitationId}`,
    orgId: input.orgId,
    kind: 'invitation',
    to: [input.email],
    subject: `You are invited to ${input.orgName}`,
    text: [
      `You have been invited to join ${input.orgName} as ${roleNames[input.orgRole]}.`,
      '',
      `Accept by signing in with your organisation's single sign-on, using this email address (${input.email}):`,
      input.signInUrl,
      '',
      `The invitation expires on ${input.expiresAt.slice(0, 10)}.`,
    ].join('\n'),
  });
}
