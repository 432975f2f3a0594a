/** Pure identity rules of DESIGN.md; the api and the provisioning activity both apply them. */
import { isEmailAddress } from './email.ts';

export interface IdTokenClaims {
  iss: string;
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  xms_edov?: unknown;
  name?: unknown;
}

export type ClaimsRefusal = 'email_missing' | 'email_not_verified';

/** Microsoft Entra ID issuers (v2 and v1 token formats). */
export function isEntraIssuer(iss: string): boolean {
  try {
    const { protocol, hostname } = new URL(iss);
    return protocol === 'https:' && (hostname === 'login.microsoftonline.com' || hostname === 'sts.windows.net');
  } catch {
    return false;
  }
}

/**
 * The IdP must assert the email is verified. Entra sends no `email_verified`; its `xms_edov: true`
 * (domain-owner verified) stands in, from Entra only and never against an explicit `false`.
 */
export function isEmailVerified(claims: IdTokenClaims): boolean {
  if (claims.email_verified !== undefined) return claims.email_verified === true;
  return claims.xms_edov === true && isEntraIssuer(claims.iss);
}

export function checkClaims(claims: IdTokenClaims): { email: string; name: string } | { refused: ClaimsRefusal } {
  if (typeof claims.email !== 'string' || !isEmailAddress(claims.email)) return { refused: 'email_missing' };
  if (!isEmailVerified(claims)) return { refused: 'email_not_verified' };
  return { email: claims.email.toLowerCase(), name: typeof claims.name === 'string' ? claims.name.slice(0, 200) : '' };
}

export const emailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();
