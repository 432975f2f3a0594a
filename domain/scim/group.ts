/**
 * A SCIM Group as Okta Group Push and Microsoft Entra ID send it, checked and put in canonical form,
 * and PATCH operations on a group turned into changes the store applies in order. Members are
 * named by `value` alone (the User's id here); `display`, `$ref` and `type` are the service's to
 * answer and are ignored on input.
 */
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './errors.ts';
import { parsePatchPath, type Filter } from './filter.ts';
import type { PatchOperation } from './patch.ts';
import { isObject, type Attributes } from './resource.ts';
import { CORE_GROUP, findAttribute, groupSchema } from './schema.ts';

export interface GroupResource {
  displayName: string;
  externalId: string | null;
  /** User ids, each once, in the order sent. */
  members: string[];
}

export type GroupChange =
  | { kind: 'displayName'; displayName: string }
  | { kind: 'externalId'; externalId: string | null }
  | { kind: 'addMembers'; ids: string[] }
  | { kind: 'removeMembers'; ids: string[] }
  | { kind: 'removeAllMembers' }
  | { kind: 'replaceMembers'; ids: string[] };

const MAX_TEXT = 256;
const memberAttributes = findAttribute(groupSchema.attributes, 'members')?.subAttributes;
/** Far above a chunk a directory sends (Entra and Okta send at most a few hundred per request); the body limit binds first. */
export const MAX_MEMBERS_PER_REQUEST = 5_000;

const keyOf = (object: Attributes, name: string) => Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());

function text(value: unknown, name: string, required: boolean): string | null {
  if (value === null || value === undefined) {
    if (required) throw invalidValue(`${name} is required and must not be empty.`);
    return null;
  }
  if (typeof value !== 'string') throw invalidValue(`${name} must be a string, not ${JSON.stringify(value).slice(0, 60)}.`);
  if (value.trim() === '') {
    if (required) throw invalidValue(`${name} is required and must not be empty.`);
    return null;
  }
  if (value.length > MAX_TEXT) throw invalidValue(`${name} is longer than ${MAX_TEXT} characters.`);
  return value;
}

const displayNameOf = (value: unknown) => text(value, 'displayName', true)!;
const externalIdOf = (value: unknown) => text(value, 'externalId', false);

/** `members` values as ids, each once; `{ "value": id }` (both vendors), or a bare id string. */
export function memberIds(value: unknown, where: string): string[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  if (items.length > MAX_MEMBERS_PER_REQUEST) throw invalidValue(`${where} has more than ${MAX_MEMBERS_PER_REQUEST} members; send them in several PATCH requests.`);
  const ids = items.map((item, i) => {
    const member = typeof item === 'string' ? { value: item } : item;
    if (!isObject(member)) throw invalidValue(`${where}[${i}] must be an object with "value": the id of a User.`);
    for (const key of Object.keys(member)) {
      if (!findAttribute(memberAttributes, key)) throw invalidSyntax(`${where}[${i}] has no attribute "${key.slice(0, 100)}".`);
    }
    const id = member[keyOf(member, 'value') ?? 'value'];
    if (typeof id !== 'string' || id.trim() === '') throw invalidValue(`${where}[${i}] needs "value": the id of a User of this directory.`);
    const type = member[keyOf(member, 'type') ?? 'type'];
    if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'user')) throw invalidValue(`${where}[${i}]: only Users can be members (type "User").`);
    return id.trim();
  });
  return [...new Set(ids)];
}

/** Read-only here: the resource's id and meta are the service's, whatever a client sends. */
const SERVICE_OWNED = new Set(['schemas', 'id', 'meta']);

/** The body of POST or PUT /Groups. */
export function parseGroupResource(body: unknown): GroupResource {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object: a SCIM Group resource.');
  const schemas = body[keyOf(body, 'schemas') ?? 'schemas'];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === CORE_GROUP.toLowerCase())) {
    throw invalidSyntax(`"schemas" must be ["${CORE_GROUP}"].`);
  }
  for (const key of Object.keys(body)) {
    if (!SERVICE_OWNED.has(key.toLowerCase()) && !findAttribute(groupSchema.attributes, key)) {
      throw invalidSyntax(`Unknown attribute "${key.slice(0, 100)}": a Group has displayName, externalId and members.`);
    }
  }
  return {
    displayName: displayNameOf(body[keyOf(body, 'displayName') ?? 'displayName']),
    externalId: externalIdOf(body[keyOf(body, 'externalId') ?? 'externalId']),
    members: memberIds(body[keyOf(body, 'members') ?? 'members'], 'members'),
  };
}

/**
 * The ids a `members[...]` filter names: `value eq "id"`, several joined with `or`. Directories send
 * nothing else, and a filter on other sub-attributes would select by what the service answers.
 */
function filteredIds(filter: Filter, where: string): string[] {
  if (filter.kind === 'logical' && filter.op === 'or') return [...filteredIds(filter.left, where), ...filteredIds(filter.right, where)];
  if (filter.kind === 'compare' && filter.op === 'eq' && !filter.path.schema && !filter.path.sub && filter.path.name.toLowerCase() === 'value' && typeof filter.value === 'string') {
    return [filter.value];
  }
  throw invalidPath(`${where}: members[...] selects by id only, as in members[value eq "<user id>"].`);
}

/** One operation with a path: displayName, externalId, members or members[value eq "id"]. */
function changeAt(op: PatchOperation['op'], path: string, value: unknown, where: string): GroupChange {
  const target = parsePatchPath(path);
  if (target.path.schema && target.path.schema.toLowerCase() !== CORE_GROUP.toLowerCase()) throw invalidPath(`${where}: unknown schema "${target.path.schema.slice(0, 100)}".`);
  const attribute = findAttribute(groupSchema.attributes, target.path.name);
  if (!attribute) {
    if (['id', 'meta', 'schemas'].includes(target.path.name.toLowerCase())) throw mutability(`${where}: "${target.path.name}" belongs to the service and cannot be changed.`);
    throw invalidPath(`${where}: unknown attribute "${target.path.name.slice(0, 100)}"; a Group has displayName, externalId and members.`);
  }
  if (target.path.sub) throw invalidPath(`${where}: "${attribute.name}.${target.path.sub.slice(0, 40)}" cannot be changed; change ${attribute.name}.`);
  if (attribute.name !== 'members') {
    if (target.filter) throw invalidPath(`${where}: "${attribute.name}" has one value; [...] filters only members.`);
    if (attribute.name === 'displayName') {
      if (op === 'remove') throw mutability(`${where}: displayName is required and cannot be removed.`);
      return { kind: 'displayName', displayName: displayNameOf(value) };
    }
    return { kind: 'externalId', externalId: op === 'remove' ? null : externalIdOf(value) };
  }
  if (target.filter) {
    if (op !== 'remove') throw invalidPath(`${where}: ${op} members[...] is not supported; add or replace "members" with a list of {"value": id}.`);
    return { kind: 'removeMembers', ids: filteredIds(target.filter, where) };
  }
  if (op === 'remove') return value === undefined ? { kind: 'removeAllMembers' } : { kind: 'removeMembers', ids: memberIds(value, `${where}: members`) };
  const ids = memberIds(value, `${where}: members`);
  if (op === 'add' && ids.length === 0) throw invalidValue(`${where}: add members needs at least one {"value": id}.`);
  return op === 'add' ? { kind: 'addMembers', ids } : { kind: 'replaceMembers', ids };
}

/**
 * The changes a PATCH makes, in order. Without a path, the value is an object of attributes (Entra's
 * rename, Okta's `{"id", "displayName"}`): an `id` equal to the group's own is an echo and ignored.
 */
export function groupChanges(operations: readonly PatchOperation[], groupId: string): GroupChange[] {
  return operations.flatMap(({ op, path, value }, i) => {
    const where = `Operations[${i}]`;
    if (path !== undefined) return [changeAt(op, path, value, where)];
    if (op === 'remove') throw noTarget(`${where}: remove needs a "path".`);
    if (!isObject(value) || Object.keys(value).length === 0) throw invalidValue(`${where}: without a "path", "value" must be an object of the attributes to ${op}.`);
    return Object.entries(value).flatMap(([name, item]) => {
      if (name.toLowerCase() === 'id' && typeof item === 'string' && item.toLowerCase() === groupId.toLowerCase()) return [];
      return [changeAt(op, name, item, where)];
    });
  });
}
