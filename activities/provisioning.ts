import { identityKey } from '../auth/tokens.ts';
import { insertAuditEvent } from '../db/audit.ts';
import type { Queryable, Sql } from '../db/client.ts';
import { hasIdentityAtIdp } from '../db/identities.ts';
import { queueAnnouncements } from '../db/site-access-outbox.ts';
import { toldReminders } from '../db/reminder-nudges.ts';
import { isVerifiedDomain } from '../db/verified-domains.ts';
import { decideNewIdentity, emailChangeRefusal } from '../domain/identity-linking.ts';
import type { MemberSource, MemberStatus, OrgRole } from '../domain/member.ts';
import type { ReminderPolicy } from '../domain/reminders.ts';
import type { ProvisionIdentityInput, ProvisionOutcome, SignInLifecycle } from '../workflows/definitions.ts';
import { nudgeForStamp, stampLifecycle, withEmailHash, type StampPorts } from './members.ts';

interface MemberRow {
  id: string;
  email: string;
  name: string;
  status: MemberStatus;
  org_role: OrgRole;
  source: MemberSource;
  lifecycle_started_at: Date | null;
  site_access_pending_since: Date | null;
}

/** The columns of MemberRow, optionally qualified (`m.`), for every select and returning below. */
const memberColumns = (sql: Queryable, alias = '') =>
  sql(['id', 'email', 'name', 'status', 'org_role', 'source', 'lifecycle_started_at', 'site_access_pending_since'].map((column) => `${alias}${column}`));

type Resolved = { outcome: 'signed_in' | 'linked' | 'created'; member: MemberRow; emailChangedAt?: string };

const memberResult = ({ outcome, member: m, emailChangedAt }: Resolved): ProvisionOutcome => ({
  outcome,
  memberId: m.id,
  status: m.status,
  orgRole: m.org_role,
  source: m.source,
  lifecycleStarted: m.lifecycle_started_at !== null,
  // As db/site-access.ts waitingMembers decides it: org admins reach every site.
  waitingSince: m.status === 'active' && m.org_role === 'member' ? (m.site_access_pending_since?.toISOString() ?? null) : null,
  ...(emailChangedAt ? { emailChangedAt } : {}),
});

/**
 * Resolves a verified sign-in to exactly one member, in one transaction. Idempotent: a retry after
 * a crash finds the identity it already wrote; a concurrent duplicate loses on the unique keys
 * (connection, iss, sub) and (org, email), is retried by Temporal, and then finds the winner's rows.
 *
 * It runs in the lifecycle the api chose for the sign-in (`lifecycle`): a new member takes that
 * lifecycle's member id, and when the lifecycle's first run asks for its seed and the sign-in
 * resolves to its member, the same transaction stamps the member for it (activities/members.ts).
 */
export function provisioningActivities(sql: Sql, policy: ReminderPolicy, temporal: StampPorts) {
  return {
    async provisionIdentity(input: ProvisionIdentityInput, lifecycle: SignInLifecycle): Promise<ProvisionOutcome> {
      if (!input.emailVerified) return { outcome: 'refused', reason: 'email_not_verified' };
      const { seed } = lifecycle;
      const settled = await sql.begin(async (tx) => {
        // First, before any member's lock (see stampLifecycle).
        const told = seed ? await toldReminders(tx, input.orgId) : undefined;
        const resolved = await resolveIdentity(tx, input, lifecycle.memberId);
        if (resolved.outcome === 'refused') return { outcome: resolved };
        const stamped = seed && told && resolved.member.id === lifecycle.memberId
          ? await stampLifecycle(tx, policy, { idempotencyKey: seed.idempotencyKey, orgId: input.orgId, memberId: lifecycle.memberId, actor: 'system', type: 'member.lifecycle_started', data: { source: resolved.member.source } }, told)
          : undefined;
        // Stamped in this transaction: read as started, as the member's row now says.
        const member = stamped ? { ...resolved.member, lifecycle_started_at: resolved.member.lifecycle_started_at ?? new Date() } : resolved.member;
        return { outcome: memberResult({ ...resolved, member }), stamped };
      });
      if (!settled.stamped) return settled.outcome;
      await nudgeForStamp(sql, policy, temporal, settled.stamped);
      return { ...settled.outcome, lifecycle: withEmailHash(temporal, settled.stamped) } as ProvisionOutcome;
    },
  };
}

async function resolveIdentity(tx: Queryable, input: ProvisionIdentityInput, newMemberId: string): Promise<Resolved | Extract<ProvisionOutcome, { outcome: 'refused' }>> {
  const [known]: [MemberRow?] = await tx`
    select ${memberColumns(tx, 'm.')} from identities i join members m on m.id = i.member_id
    where i.connection_id = ${input.connectionId} and i.iss = ${input.iss} and i.sub = ${input.sub}
    for update of m`;
  if (known) return { outcome: 'signed_in', ...(await refreshProfile(tx, input, known)) };

  const [invitation]: [{ id: string; org_role: OrgRole }?] = await tx`
    select id, org_role from invitations
    where org_id = ${input.orgId} and email = ${input.email} and status = 'pending' and expires_at > now()
    for update`;
  const [existing]: [MemberRow?] = await tx`
    select ${memberColumns(tx)} from members where org_id = ${input.orgId} and email = ${input.email}
    for update`;
  const decision = decideNewIdentity({
    domainVerified: await isVerifiedDomain(tx, input.orgId, input.email),
    invited: Boolean(invitation),
    ...(existing ? { member: { hasOtherIdentityAtThisIdp: await hasIdentityAtIdp(tx, existing.id, input) } } : {}),
  });
  if (decision.action === 'refuse') {
    if (existing && decision.reason === 'identity_conflict') await recordLinkRefused(tx, input, existing.id);
    return { outcome: 'refused', reason: decision.reason };
  }
  let member = existing ?? (await createMember(tx, input, newMemberId, invitation));
  if (existing && invitation?.org_role === 'org_admin' && existing.org_role !== 'org_admin') {
    member = await promoteByInvitation(tx, input, existing);
  }
  await tx`
    insert into identities (member_id, connection_id, iss, sub, email, last_sign_in_at)
    values (${member.id}, ${input.connectionId}, ${input.iss}, ${input.sub}, ${input.email}, now())`;
  await audit(tx, input, member.id, 'identity.linked', { iss: input.iss, sub: input.sub });
  if (invitation) {
    await tx`update invitations set status = 'accepted', accepted_at = now(), accepted_member_id = ${member.id}
             where id = ${invitation.id}`;
    await audit(tx, input, member.id, 'invitation.accepted', { invitationId: invitation.id });
  }
  return { outcome: existing ? 'linked' : 'created', member };
}

/**
 * A new member takes the id of the lifecycle the sign-in runs in, so that lifecycle is theirs. Should
 * that id be taken (a member whose identity an admin reset, signing in as someone else), a fresh one.
 */
async function createMember(tx: Queryable, input: ProvisionIdentityInput, id: string, invitation: { org_role: OrgRole } | undefined) {
  const source: MemberSource = invitation ? 'invitation' : 'jit';
  // Org role comes from an invitation only; whatever roles or groups the IdP asserts are ignored.
  const [member]: [MemberRow] = await tx`
    insert into members (id, org_id, email, name, source, org_role)
    values (
      case when exists (select 1 from members where id = ${id}) then gen_random_uuid() else ${id}::uuid end,
      ${input.orgId}, ${input.email}, ${input.name}, ${source}, ${invitation?.org_role ?? 'member'})
    returning ${memberColumns(tx)}`;
  await audit(tx, input, member.id, 'member.created', { source, email: input.email });
  return member;
}

async function promoteByInvitation(tx: Queryable, input: ProvisionIdentityInput, member: MemberRow) {
  const [promoted]: [MemberRow] = await tx`
    update members set org_role = 'org_admin', updated_at = now() where id = ${member.id}
    returning ${memberColumns(tx)}`;
  await audit(tx, input, member.id, 'member.role_changed', { orgRole: 'org_admin', via: 'invitation' });
  // Org admins reach every site: a plain member without one stops waiting. Their running lifecycle
  // (a directory or operator member) learns it from the site-rules run (db/site-access-outbox.ts).
  const [site] = await tx`select 1 from site_assignments where member_id = ${member.id} limit 1`;
  if (!site) await queueAnnouncements(tx, input.orgId, [member.id]);
  return promoted;
}

/** Once per (identity, member) and day: retries add no rows, a subject trying again another day does. */
function recordLinkRefused(tx: Queryable, input: ProvisionIdentityInput, memberId: string) {
  return insertAuditEvent(tx, {
    orgId: input.orgId,
    memberId,
    actor: `idp:${input.iss}`,
    type: 'identity.link_refused',
    data: { reason: 'identity_conflict', iss: input.iss, sub: input.sub, email: input.email },
    idempotencyKey: `identity.link_refused/${identityKey(input.connectionId, input.iss, input.sub)}/${memberId}/${new Date().toISOString().slice(0, 10)}`,
  });
}

/**
 * Name and email follow the IdP; a new email is taken only on a verified domain and when no other
 * member has it, and stamped with the database's clock for the lifecycle (MemberEmailHash follows it).
 */
async function refreshProfile(tx: Queryable, input: ProvisionIdentityInput, member: MemberRow): Promise<{ member: MemberRow; emailChangedAt?: string }> {
  const changes: Record<string, { from: string; to: string }> = {};
  if (input.name && input.name !== member.name) changes.name = { from: member.name, to: input.name };
  if (input.email !== member.email.toLowerCase()) {
    const [taken] = await tx`select 1 from members where org_id = ${input.orgId} and email = ${input.email}`;
    const refusal = emailChangeRefusal({ domainVerified: await isVerifiedDomain(tx, input.orgId, input.email), takenByOtherMember: Boolean(taken) });
    if (!refusal) changes.email = { from: member.email, to: input.email };
  }
  await tx`update identities set last_sign_in_at = now(), email = ${input.email}
           where connection_id = ${input.connectionId} and iss = ${input.iss} and sub = ${input.sub}`;
  if (!changes.name && !changes.email) return { member };
  const [updated]: [MemberRow & { changedAt: Date }] = await tx`
    update members set name = ${changes.name?.to ?? member.name}, email = ${changes.email?.to ?? member.email}, updated_at = now()
    where id = ${member.id} returning ${memberColumns(tx)}, clock_timestamp() as "changedAt"`;
  await audit(tx, input, member.id, 'member.profile_updated', changes);
  const { changedAt, ...row } = updated;
  return { member: row, ...(changes.email ? { emailChangedAt: changedAt.toISOString() } : {}) };
}

function audit(tx: Queryable, input: ProvisionIdentityInput, memberId: string, type: string, data: Record<string, unknown>) {
  return insertAuditEvent(tx, { orgId: input.orgId, memberId, actor: `idp:${input.iss}`, type, data });
}
