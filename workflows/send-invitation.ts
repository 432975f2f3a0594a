import { ActivityFailure, RetryState } from '@temporalio/common';
import { isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MailActivities } from '../activities/index.ts';
import { retryPolicy } from './activity-retry.ts';
import type { EmailInput } from '../activities/email.ts';
import { mailTaskQueue, type InvitationEmailInput, type InvitationEmailOutcome } from './definitions.ts';

// SMTP outages are waited out; the invitation row already exists, the email follows when it can.
const retry = retryPolicy({ initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' });

const roleNames = { member: 'a member', org_admin: 'an org admin' } as const;

/**
 * Every attempt re-checks the invitation, and retries stop at its expiry: nobody can accept it
 * afterwards. A cancel (the api's revoke) ends the workflow as quietly as a revoke seen by the check.
 */
export async function sendInvitationWorkflow(input: InvitationEmailInput): Promise<InvitationEmailOutcome> {
  const untilExpiry = Date.parse(input.expiresAt) - Date.now();
  if (untilExpiry <= 0) return 'expired';
  const { sendInvitationEmail } = proxyActivities<MailActivities>({
    // A slow mail server fills the mail worker's slots, never those member decisions need.
    taskQueue: mailTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: untilExpiry,
    retry,
  });
  try {
    return await sendInvitationEmail({ invitationId: input.invitationId, email: invitationEmail(input) });
  } catch (err) {
    if (isCancellation(err)) return 'cancelled';
    if (err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT) return 'expired';
    throw err;
  }
}

function invitationEmail(input: InvitationEmailInput): EmailInput {
  return {
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
  };
}
