/** Pure identity rules of DESIGN.md; the api and the provisioning activity both apply them. */
import { isEmailAddress, MAX_EMAIL_LENGTH } from './email.ts';
import { cleanName } from './text.ts';

/** A login_hint is the address the person typed or their invitation names. */
export const MAX_LOGIN_HINT_LENGTH = MAX_EMAIL_LENGTH;

/** As members.name is shown: longer names from an IdP are cut. */
export const MAX_NAME_LENGTH = 200;

/**
 * The codes of RFC 6749, OpenID Connect and the IANA OAuth registry are lower-case words joined by
 * `_`. RFC 6749's wider alphabet admits prose, so an IdP `error` outside this one is not shown:
 * a crafted callback could otherwise put words of its choosing on our page.
 */
export const displayableOAuthError = (value: string | undefined): string | undefined =>
  value !== undefined && /^[a-z_]{1,64}$/.test(value) ? value : undefined;

export interface IdTokenClaims {
  iss: string;
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  xms_edov?: unknown;
  name?: unknown;
}

export type ClaimsRefusal = 'subject_unusable' | 'email_missing' | 'email_not_verified';

/** OpenID Connect Core: `sub` is at most 255 ASCII characters; anything else is no identifier to store. */
export const isUsableSubject = (sub: string): boolean => /^[\x20-\x7e]{1,255}$/.test(sub);

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
  if (!isUsableSubject(claims.sub)) return { refused: 'subject_unusable' };
  if (typeof claims.email !== 'string' || !isEmailAddress(claims.email)) return { refused: 'email_missing' };
  if (!isEmailVerified(claims)) return { refused: 'email_not_verified' };
  return { email: claims.email.toLowerCase(), name: typeof claims.name === 'string' ? cleanName(claims.name, MAX_NAME_LENGTH) : '' };
}

export const emailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();
