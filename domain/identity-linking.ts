/** Who a new sign-in identity (a (connection, iss, sub) not seen before) may become. */

export type ProvisionRefusal = 'email_domain_not_verified' | 'email_not_verified' | 'identity_conflict';

export interface NewIdentityFacts {
  /** The email's domain is one of the organisation's verified domains. */
  domainVerified: boolean;
  /** A pending, unexpired invitation to this organisation for exactly this address. */
  invited: boolean;
  /** The member that already has this email in the organisation, if any. */
  member?: {
    /** That member already signs in with another subject at this same IdP (same connection and issuer). */
    hasOtherIdentityAtThisIdp: boolean;
  };
}

export type NewIdentityDecision = { action: 'link' } | { action: 'create' } | { action: 'refuse'; reason: ProvisionRefusal };

/**
 * Linking by email needs the organisation's verified domain: an invitation only lets an admin-chosen
 * address create a member, never take over one.
 */
export const canLinkByEmail = (facts: NewIdentityFacts): boolean => facts.domainVerified;

/**
 * One person per member at one IdP: a second subject with the same email there is a recreated IdP
 * account or a reassigned mailbox, and must not inherit the account (its role, its sites) until an
 * admin resets the member's sign-in link. A new issuer (the organisation changed IdP) may still link.
 */
export const isTakeoverAtSameIdp = (facts: NewIdentityFacts): boolean => Boolean(facts.member?.hasOtherIdentityAtThisIdp);

/** Creating a member needs the verified domain (JIT) or an invitation for exactly this address. */
export const canCreateMember = (facts: NewIdentityFacts): boolean => facts.domainVerified || facts.invited;

export function decideNewIdentity(facts: NewIdentityFacts): NewIdentityDecision {
  if (facts.member) {
    if (!canLinkByEmail(facts)) return { action: 'refuse', reason: 'email_domain_not_verified' };
    if (isTakeoverAtSameIdp(facts)) return { action: 'refuse', reason: 'identity_conflict' };
    return { action: 'link' };
  }
  return canCreateMember(facts) ? { action: 'create' } : { action: 'refuse', reason: 'email_domain_not_verified' };
}

export interface EmailChangeFacts {
  /** The new email's domain is one of the organisation's verified domains. */
  domainVerified: boolean;
  /** Another member of the organisation already has the new email. */
  takenByOtherMember: boolean;
}

export type EmailChangeRefusal = 'email_domain_not_verified' | 'email_taken';

/**
 * A member's email follows the IdP or the directory only onto a verified domain (an address there
 * is the organisation's to give) and only when no other member has it (emails are unique per org).
 */
export function emailChangeRefusal(facts: EmailChangeFacts): EmailChangeRefusal | undefined {
  if (!facts.domainVerified) return 'email_domain_not_verified';
  if (facts.takenByOtherMember) return 'email_taken';
  return undefined;
}
