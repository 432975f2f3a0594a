/** Pure identity rules of DESIGN.md; the api and the provisioning activity both apply them. */

export interface IdTokenClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  xms_edov?: unknown;
  name?: unknown;
}

export type ClaimsRefusal = 'email_missing' | 'email_not_verified';

/** The IdP must assert the email is verified; Microsoft Entra's `xms_edov: true` may stand in. */
export function isEmailVerified(claims: IdTokenClaims): boolean {
  return claims.email_verified === true || claims.xms_edov === true;
}

export function checkClaims(claims: IdTokenClaims): { email: string; name: string } | { refused: ClaimsRefusal } {
  if (typeof claims.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(claims.email)) return { refused: 'email_missing' };
  if (!isEmailVerified(claims)) return { refused: 'email_not_verified' };
  return { email: claims.email.toLowerCase(), name: typeof claims.name === 'string' ? claims.name.slice(0, 200) : '' };
}

export const emailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();
