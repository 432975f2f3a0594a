/** How a SCIM User becomes a member (email, name) and how a stored user is answered. */
import { isEmailAddress } from '../email.ts';
import type { DirectoryEvent } from '../../workflows/definitions.ts';
import type { MemberStatus } from '../member.ts';
import { MAX_NAME_LENGTH } from '../sign-in.ts';
import { cleanName } from '../text.ts';
import { invalidValue } from './errors.ts';
import { isObject, type Attributes, type UserResource } from './resource.ts';
import { CORE_USER, ENTERPRISE_USER, MEMBER_EXTENSION } from './schema.ts';

/** The directory's last word on a person, as its events carry it. */
export type DirectoryState = DirectoryEvent['state'];

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/**
 * The member's email: the primary email, else the work one, else the first, else a userName that
 * is an address (Okta's default). Lower-cased, as members' emails are compared.
 */
export function memberEmailOf(user: UserResource): string {
  const emails = (Array.isArray(user.emails) ? user.emails : []) as Attributes[];
  const chosen = emails.find((e) => e.primary === true) ?? emails.find((e) => text(e.type).toLowerCase() === 'work') ?? emails[0];
  const email = (chosen ? text(chosen.value) : isEmailAddress(user.userName.trim()) ? user.userName.trim() : '').toLowerCase();
  if (!email) throw invalidValue('The user needs an email address: in emails (primary, or of type "work"), or as userName.');
  if (!isEmailAddress(email)) throw invalidValue(`"${email.slice(0, 100)}" is not an email address.`);
  return email;
}

/** name.formatted, else given and family name, else displayName; cleaned as names from an IdP are. */
export function memberNameOf(user: UserResource): string {
  const name = isObject(user.name) ? user.name : {};
  const joined = [text(name.givenName), text(name.familyName)].filter(Boolean).join(' ');
  return cleanName(text(name.formatted) || joined || text(user.displayName), MAX_NAME_LENGTH);
}

export interface StoredUser {
  id: string;
  resource: UserResource;
  directoryState: DirectoryState;
  memberStatus: MemberStatus;
  created: Date;
  lastModified: Date;
}

/**
 * The resource as answered: `active` is the directory's own view (what it last wrote), so a client
 * comparing it with its own never loops; the member extension's `status` is what the member's
 * lifecycle made of it (an org admin's manual decision can differ).
 */
export function toScimUser(user: StoredUser, location: string): Attributes {
  const { active: _directoryView, ...attributes } = user.resource;
  return {
    schemas: [CORE_USER, ...(ENTERPRISE_USER in attributes ? [ENTERPRISE_USER] : []), MEMBER_EXTENSION],
    id: user.id,
    ...attributes,
    active: user.directoryState === 'active',
    [MEMBER_EXTENSION]: { status: user.memberStatus },
    meta: { resourceType: 'User', created: user.created.toISOString(), lastModified: user.lastModified.toISOString(), location },
  };
}

/** Always returned, whatever `attributes` or `excludedAttributes` ask (RFC 7643 §7 "returned"). */
const ALWAYS = new Set(['id', 'schemas']);

/** The key of the response an attribute name selects: a core attribute, or an extension's URN. */
function topLevelName(name: string): string {
  const lower = name.trim().toLowerCase();
  const schema = [CORE_USER, ENTERPRISE_USER, MEMBER_EXTENSION].find((urn) => lower === urn.toLowerCase() || lower.startsWith(`${urn.toLowerCase()}:`));
  if (schema && schema !== CORE_USER) return schema.toLowerCase();
  const path = schema ? lower.slice(schema.length + 1) : lower;
  return path.split(/[.[]/)[0]!;
}

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), by top-level attribute name. */
export function selectAttributes(resource: Attributes, { attributes, excludedAttributes }: { attributes?: string; excludedAttributes?: string }): Attributes {
  const names = (list: string) => new Set(list.split(',').map(topLevelName));
  if (attributes) {
    const keep = names(attributes);
    return Object.fromEntries(Object.entries(resource).filter(([k]) => ALWAYS.has(k) || keep.has(k.toLowerCase())));
  }
  if (excludedAttributes) {
    const drop = names(excludedAttributes);
    return Object.fromEntries(Object.entries(resource).filter(([k]) => ALWAYS.has(k) || !drop.has(k.toLowerCase())));
  }
  return resource;
}
