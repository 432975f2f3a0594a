/**
 * CODEC_OIDC_REQUIRED_CLAIM: `name=value`, a claim the operator's access token must carry, so that
 * being a user of the operators' IdP is not enough to decode. `groups=temporal-operators`,
 * `roles=codec-decoder` (RFC 9068 §2.2.3.1) or `scope=codec:decode` (RFC 9068 §2.2.3); a namespaced
 * custom claim such as `https://ops.example.com/roles=codec` works too (the name ends at the first `=`).
 */
export interface RequiredClaim {
  name: string;
  value: string;
}

export function parseRequiredClaim(text: string): RequiredClaim | undefined {
  const at = text.indexOf('=');
  const name = text.slice(0, at).trim();
  const value = text.slice(at + 1).trim();
  return at > 0 && name !== '' && value !== '' ? { name, value } : undefined;
}

export const formatRequiredClaim = ({ name, value }: RequiredClaim) => `${name}=${value}`;

/** A list claim (groups, roles, entitlements): the value must be one of its members. */
const listHolds = (claim: unknown[], value: string) => claim.includes(value);

/** `scope` is one string of space-separated scopes (RFC 9068 §2.2.3, RFC 6749 §3.3). */
const scopeHolds = (claim: string, value: string) => claim.split(' ').includes(value);

/** Any other string claim (a single role or group): the whole value must be equal. */
const stringHolds = (claim: string, value: string) => claim === value;

/** Whether the verified claims carry the required one; anything else (numbers, objects, absent) does not. */
export function carriesRequiredClaim(claims: Readonly<Record<string, unknown>>, required: RequiredClaim): boolean {
  const claim = claims[required.name];
  if (Array.isArray(claim)) return listHolds(claim, required.value);
  if (typeof claim !== 'string') return false;
  return required.name === 'scope' ? scopeHolds(claim, required.value) : stringHolds(claim, required.value);
}
