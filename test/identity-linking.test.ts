import { describe, expect, it } from 'vitest';
import { canCreateMember, canLinkByEmail, decideNewIdentity, emailChangeRefusal, isTakeoverAtSameIdp } from '../domain/identity-linking.ts';

const onDomain = { domainVerified: true, invited: false };
const offDomain = { domainVerified: false, invited: false };

describe('who a new sign-in identity may become', () => {
  it('canLinkByEmail: only on a verified domain, never through an invitation alone', () => {
    expect(canLinkByEmail({ ...onDomain, member: { hasOtherIdentityAtThisIdp: false } })).toBe(true);
    expect(canLinkByEmail({ ...offDomain, invited: true, member: { hasOtherIdentityAtThisIdp: false } })).toBe(false);
  });

  it('isTakeoverAtSameIdp: a second subject at the IdP the member already signs in with', () => {
    expect(isTakeoverAtSameIdp({ ...onDomain, member: { hasOtherIdentityAtThisIdp: true } })).toBe(true);
    expect(isTakeoverAtSameIdp({ ...onDomain, member: { hasOtherIdentityAtThisIdp: false } })).toBe(false);
    expect(isTakeoverAtSameIdp(onDomain)).toBe(false);
  });

  it('canCreateMember: a verified domain (JIT) or an invitation for exactly this address', () => {
    expect(canCreateMember(onDomain)).toBe(true);
    expect(canCreateMember({ ...offDomain, invited: true })).toBe(true);
    expect(canCreateMember(offDomain)).toBe(false);
  });

  it('decides link, create or refuse with the reason a person can act on', () => {
    expect(decideNewIdentity({ ...onDomain, member: { hasOtherIdentityAtThisIdp: false } })).toEqual({ action: 'link' });
    expect(decideNewIdentity({ ...onDomain, member: { hasOtherIdentityAtThisIdp: true } })).toEqual({ action: 'refuse', reason: 'identity_conflict' });
    expect(decideNewIdentity({ ...offDomain, invited: true, member: { hasOtherIdentityAtThisIdp: false } })).toEqual({
      action: 'refuse',
      reason: 'email_domain_not_verified',
    });
    expect(decideNewIdentity({ ...offDomain, invited: true })).toEqual({ action: 'create' });
    expect(decideNewIdentity(offDomain)).toEqual({ action: 'refuse', reason: 'email_domain_not_verified' });
  });
});

describe("a member's email following the IdP or the directory", () => {
  it('emailChangeRefusal: only onto a verified domain, and only to an address no other member has', () => {
    expect(emailChangeRefusal({ domainVerified: true, takenByOtherMember: false })).toBeUndefined();
    expect(emailChangeRefusal({ domainVerified: false, takenByOtherMember: false })).toBe('email_domain_not_verified');
    expect(emailChangeRefusal({ domainVerified: true, takenByOtherMember: true })).toBe('email_taken');
    expect(emailChangeRefusal({ domainVerified: false, takenByOtherMember: true })).toBe('email_domain_not_verified');
  });
});
