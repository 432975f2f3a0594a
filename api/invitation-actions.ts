import { z } from 'zod';
import type { SessionMember } from '../auth/sessions.ts';
import { insertAuditEvent } from '../db/audit.ts';
import { isUniqueViolation, type Queryable } from '../db/client.ts';
import { INVITATION_DAYS, type OrgRole } from '../domain/member.ts';
import { cancelInvitationEmail, startInvitationEmail } from '../temporal/invitation-email.ts';
import type { AppDeps } from './context.ts';
import { ClientError } from './errors.ts';
import { startOrUnavailable } from './temporal.ts';

const CANCEL_DEADLINE_MS = 5_000;

const invitationColumns = (sql: Queryable) =>
  sql`id, email, org_role as "orgRole", status, expires_at as "expiresAt", accepted_at as "acceptedAt", created_at as "createdAt"`;

const audit = (tx: Queryable, admin: SessionMember, type: string, data: Record<string, unknown>) =>
  insertAuditEvent(tx, { orgId: admin.orgId, memberId: admin.memberId, actor: `member:${admin.memberId}`, type, data });

export interface InvitationRow {
  id: string;
  email: string;
  orgRole: string;
  status: string;
  expiresAt: Date;
  acceptedAt: Date | null;
  createdAt: Date;
}

/** What an org admin does with invitations, shared by the JSON API and the admin pages. */
export function invitationActions({ sql, config, temporal, log }: AppDeps) {
  async function insertInvitation(member: SessionMember, email: string, orgRole: OrgRole) {
    try {
      const invitation = await sql.begin(async (tx) => {
        const [existing] = await tx`select 1 from members where org_id = ${member.orgId} and email = ${email}`;
        if (existing) throw new ClientError(409, 'already_member', `${email} is already a member; change their role instead.`);
        // An expired pending invitation gives way to the new one.
        await tx`update invitations set status = 'revoked', revoked_at = now()
                 where org_id = ${member.orgId} and email = ${email} and status = 'pending' and expires_at <= now()`;
        const [row] = await tx<InvitationRow[]>`
          insert into invitations (org_id, email, org_role, invited_by, expires_at)
          values (${member.orgId}, ${email}, ${orgRole}, ${member.memberId}, now() + ${`${INVITATION_DAYS} days`}::interval)
          returning ${invitationColumns(tx)}`;
        await audit(tx, member, 'invitation.created', { email, orgRole, invitationId: row!.id });
        return row!;
      });
      return { invitation, created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const [pending]: [InvitationRow?] = await sql`
        select ${invitationColumns(sql)} from invitations where org_id = ${member.orgId} and email = ${email} and status = 'pending'`;
      if (pending?.orgRole !== orgRole) {
        throw new ClientError(409, 'already_invited', `${email} already has a pending invitation with another role; revoke it first to change it.`);
      }
      return { invitation: pending, created: false };
    }
  }

  /**
   * Best effort, after the revoke committed: the email's every attempt re-checks the invitation,
   * so a cancel that does not get through only leaves one more attempt that ends without sending.
   */
  async function stopInvitationEmail(orgSlug: string, invitationId: string) {
    try {
      await temporal.client.connection.withDeadline(Date.now() + CANCEL_DEADLINE_MS, () => cancelInvitationEmail(temporal.client, orgSlug, invitationId));
    } catch (err) {
      log.warn({ err, invitationId }, 'invitation email workflow not cancelled; its next attempt sees the revoke');
    }
  }

  return {
    list: (admin: SessionMember) => sql<InvitationRow[]>`
      select id, email, org_role as "orgRole",
        case when status = 'pending' and expires_at <= now() then 'expired' else status end as status,
        expires_at as "expiresAt", accepted_at as "acceptedAt", created_at as "createdAt"
      from invitations where org_id = ${admin.orgId} order by created_at desc`,

    /**
     * Idempotent: repeating the same request (say after a timeout) returns the pending invitation
     * and re-queues its email, which the email log sends at most once.
     */
    async create(admin: SessionMember, email: string, orgRole: OrgRole) {
      const result = await insertInvitation(admin, email, orgRole);
      const [org]: [{ name: string }] = await sql`select name from organisations where id = ${admin.orgId}`;
      const { invitation } = result;
      // The email is a durable workflow: it goes out even if SMTP is down right now.
      await startOrUnavailable(
        temporal.client,
        () =>
          startInvitationEmail(
            temporal.client,
            { taskQueue: config.temporal.taskQueue, publicUrl: config.publicUrl },
            {
              org: { id: admin.orgId, slug: admin.orgSlug, name: org.name },
              invitation: { id: invitation.id, email, orgRole, expiresAt: invitation.expiresAt },
            },
          ),
        new ClientError(503, 'email_not_queued', 'The invitation is saved but its email could not be queued. Send the same request again to queue it.'),
      );
      return result;
    },

    async revoke(admin: SessionMember, id: string) {
      if (!z.uuid().safeParse(id).success) throw new ClientError(404, 'not_found', 'No such invitation.');
      // Decided by the update itself, so an acceptance committing meanwhile is never reported as revoked.
      const status = await sql.begin(async (tx) => {
        const [revoked] = await tx`update invitations set status = 'revoked', revoked_at = now()
                                   where id = ${id} and org_id = ${admin.orgId} and status = 'pending' returning id`;
        if (revoked) {
          await audit(tx, admin, 'invitation.revoked', { invitationId: id });
          return 'revoked';
        }
        const [row]: [{ status: string }?] = await tx`select status from invitations where id = ${id} and org_id = ${admin.orgId}`;
        return row?.status;
      });
      if (!status) throw new ClientError(404, 'not_found', 'No such invitation.');
      if (status === 'accepted') throw new ClientError(409, 'already_accepted', 'This invitation was already accepted; disable the member instead.');
      await stopInvitationEmail(admin.orgSlug, id);
    },
  };
}
