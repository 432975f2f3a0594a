import type { ProvisionRefusal } from '../domain/identity-linking.ts';
import { decideNewIdentity } from '../domain/identity-linking.ts';
import type { MemberStatus, OrgRole } from '../domain/member.ts';
import { checkClaims, type ClaimsRefusal, type IdTokenClaims } from '../domain/sign-in.ts';
import type { Queryable } from './client.ts';
import { hasIdentityAtIdp } from './identities.ts';
import { isVerifiedDomain } from './verified-domains.ts';

export interface PreviewMember {
  email: string;
  name: string;
  status: MemberStatus;
}

export type JitPreview =
  | { action: 'sign_in'; member: PreviewMember }
  /** `promotedByInvitation`: a pending org-admin invitation for the address makes the Member an org admin as it links. */
  | { action: 'link'; member: PreviewMember; promotedByInvitation: boolean }
  | { action: 'create'; orgRole: OrgRole; byInvitation: boolean }
  | { action: 'refuse'; reason: ClaimsRefusal | ProvisionRefusal };

/**
 * What a sign-in with these claims would do once the draft is live, read-only: the same claim
 * checks as the callback (checkClaims) and the same rule as the provisioning activity
 * (decideNewIdentity) over the same facts. A draft goes live as the organisation's existing
 * connection row (its id is kept), so an identity linked to that row is the one it would find.
 */
export async function previewJit(sql: Queryable, orgId: string, claims: IdTokenClaims): Promise<JitPreview> {
  const checked = checkClaims(claims);
  if ('refused' in checked) return { action: 'refuse', reason: checked.refused };
  const [connection]: [{ id: string }?] = await sql`select id from sso_connections where org_id = ${orgId}`;
  if (connection) {
    const [known]: [PreviewMember?] = await sql`
      select m.email::text as email, m.name, m.status from identities i join members m on m.id = i.member_id
      where i.connection_id = ${connection.id} and i.iss = ${claims.iss} and i.sub = ${claims.sub}`;
    if (known) return { action: 'sign_in', member: known };
  }
  const [invitation]: [{ orgRole: OrgRole }?] = await sql`
    select org_role as "orgRole" from invitations
    where org_id = ${orgId} and email = ${checked.email} and status = 'pending' and expires_at > now()`;
  const [existing]: [(PreviewMember & { id: string; orgRole: OrgRole })?] = await sql`
    select id, email::text as email, name, status, org_role as "orgRole" from members where org_id = ${orgId} and email = ${checked.email}`;
  const decision = decideNewIdentity({
    domainVerified: await isVerifiedDomain(sql, orgId, checked.email),
    invited: Boolean(invitation),
    ...(existing ? { member: { hasOtherIdentityAtThisIdp: connection ? await hasIdentityAtIdp(sql, existing.id, { connectionId: connection.id, iss: claims.iss }) : false } } : {}),
  });
  if (decision.action === 'refuse') return { action: 'refuse', reason: decision.reason };
  if (decision.action === 'link' && existing) {
    const promotedByInvitation = invitation?.orgRole === 'org_admin' && existing.orgRole !== 'org_admin';
    return { action: 'link', member: { email: existing.email, name: existing.name, status: existing.status }, promotedByInvitation };
  }
  return { action: 'create', orgRole: invitation?.orgRole ?? 'member', byInvitation: Boolean(invitation) };
}
