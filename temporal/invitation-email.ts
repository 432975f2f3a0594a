import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { OrgRole } from '../domain/member.ts';
import { invitationWorkflowId, workflowTypes, type SendInvitationWorkflow } from '../workflows/definitions.ts';

export interface InvitationToMail {
  org: { id: string; slug: string; name: string };
  invitation: { id: string; email: string; orgRole: OrgRole; expiresAt: Date };
}

export interface InvitationEmailTarget {
  taskQueue: string;
  /** The api's external URL: the email links to the org's sign-in there. */
  publicUrl: URL;
}

/**
 * Starts the invitation's email workflow, or joins the one already running (USE_EXISTING), so
 * repeating an invitation (api or operator CLI) never queues a second email; the email log sends
 * its key once even when a finished workflow is started again.
 */
export function startInvitationEmail(client: Client, { taskQueue, publicUrl }: InvitationEmailTarget, { org, invitation }: InvitationToMail) {
  const signInUrl = new URL(`/auth/${org.slug}/login?login_hint=${encodeURIComponent(invitation.email)}`, publicUrl);
  return client.workflow.start<SendInvitationWorkflow>(workflowTypes.sendInvitation, {
    taskQueue,
    workflowId: invitationWorkflowId(org.slug, invitation.id),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [
      {
        orgId: org.id,
        orgSlug: org.slug,
        orgName: org.name,
        invitationId: invitation.id,
        email: invitation.email,
        orgRole: invitation.orgRole,
        signInUrl: signInUrl.href,
        expiresAt: invitation.expiresAt.toISOString(),
      },
    ],
  });
}

/** Ends a revoked invitation's email workflow now instead of at its next attempt; a finished one is left alone. */
export async function cancelInvitationEmail(client: Client, orgSlug: string, invitationId: string): Promise<void> {
  try {
    await client.workflow.getHandle(invitationWorkflowId(orgSlug, invitationId)).cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
