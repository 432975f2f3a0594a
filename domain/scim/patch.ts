/**
 * SCIM PATCH (RFC 7644 §3.5.2) on a stored User, as Okta and Microsoft Entra send it: op names in
 * any case ("Replace"), booleans as strings, no-path operations whose value keys are attribute
 * paths ("name.givenName", "urn:…:enterprise:2.0:User:department", `emails[type eq "work"].value`).
 * Anything it cannot apply exactly is a 400 naming the operation; nothing is half-applied, since
 * the caller stores only the result of the whole request.
 *
 * Not scim-patch or scimmy: they work on untyped objects, so "False" would be stored as a string,
 * a no-path key "name.givenName" as a literal key, a read-only attribute written; here every path
 * resolves against the one schema (schema.ts) that validation, filters and /Schemas also use.
 */
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './errors.ts';
import { parsePatchPath, type PatchPath } from './filter.ts';
import { matchesValue, pinnedValues, resolvePath } from './path.ts';
import { checkOnePrimary, checkUser, coerceComplex, coerceValue, isObject, MAX_VALUES, type Attributes, type UserResource } from './resource.ts';
import { CORE_USER, findSchema, type AttributeDef } from './schema.ts';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_OPERATIONS = 100;

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

const key = (object: Attributes, name: string) => Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());

function parseOperation(raw: unknown, where: string): PatchOperation {
  if (!isObject(raw)) throw invalidSyntax(`${where} must be an object with "op", and "path" or "value".`);
  const unknown = Object.keys(raw).filter((k) => !['op', 'path', 'value'].includes(k.toLowerCase()));
  if (unknown.length > 0) throw invalidSyntax(`${where} has unknown members: ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}.`);
  const op = raw[key(raw, 'op') ?? 'op'];
  const path = raw[key(raw, 'path') ?? 'path'];
  const value = raw[key(raw, 'value') ?? 'value'];
  const name = typeof op === 'string' ? op.toLowerCase() : undefined;
  if (name !== 'add' && name !== 'remove' && name !== 'replace') throw invalidSyntax(`${where}: "op" must be add, remove or replace.`);
  if (path !== undefined && (typeof path !== 'string' || path.trim() === '')) throw invalidPath(`${where}: "path" must be a non-empty string.`);
  if (name !== 'remove' && value === undefined) throw invalidValue(`${where}: ${name} needs a "value".`);
  return { op: name, ...(path !== undefined ? { path } : {}), ...(value !== undefined ? { value } : {}) };
}

/** The body of PATCH /Users/{id} and /Groups/{id}: a PatchOp message with 1 to 100 operations. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object: a SCIM PatchOp message.');
  const schemas = body[key(body, 'schemas') ?? 'schemas'];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP.toLowerCase())) {
    throw invalidSyntax(`"schemas" must be ["${PATCH_OP}"].`);
  }
  const operations = body[key(body, 'Operations') ?? 'Operations'];
  if (!Array.isArray(operations) || operations.length === 0 || operations.length > MAX_OPERATIONS) {
    throw invalidSyntax(`"Operations" must list 1 to ${MAX_OPERATIONS} operations.`);
  }
  return operations.map((op, i) => parseOperation(op, `Operations[${i}]`));
}

/** The user after every operation, in order; throws (and changes nothing) if any cannot be applied. */
export function applyPatch(user: UserResource, operations: readonly PatchOperation[]): UserResource {
  const next = structuredClone(user) as Attributes;
  operations.forEach((operation, i) => applyOperation(next, operation, `Operations[${i}]`));
  return checkUser(next);
}

function applyOperation(user: Attributes, { op, path, value }: PatchOperation, where: string): void {
  if (path !== undefined) return applyAt(user, op, parsePatchPath(path), value, where);
  if (op === 'remove') throw noTarget(`${where}: remove needs a "path".`);
  if (!isObject(value)) throw invalidValue(`${where}: without a "path", "value" must be an object of the attributes to ${op}.`);
  refuseEmpty(value, where);
  const names = Object.keys(value).map((name) => name.toLowerCase());
  if (new Set(names).size !== names.length) throw invalidSyntax(`${where}: "value" names an attribute twice (names are case-insensitive).`);
  for (const [name, item] of Object.entries(value)) {
    const extension = findSchema(name);
    if (!extension) {
      applyAt(user, op, parsePatchPath(name), item, where);
      continue;
    }
    if (!isObject(item)) throw invalidValue(`${where}: "${extension.id}" must be an object of its attributes.`);
    refuseEmpty(item, `${where}: "${extension.id}"`);
    for (const [inner, innerValue] of Object.entries(item)) {
      const target = extension.id === CORE_USER ? inner : `${extension.id}:${inner}`;
      applyAt(user, op, parsePatchPath(target), innerValue, where);
    }
  }
}

/** An add or replace with nothing in it would answer 200 and change nothing: the client meant something else. */
function refuseEmpty(value: unknown, where: string): void {
  if ((Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0)) {
    throw invalidValue(`${where}: the value is empty, so the operation would change nothing; send the attributes to set, or "remove".`);
  }
}

function applyAt(user: Attributes, op: PatchOperation['op'], target: PatchPath, value: unknown, where: string): void {
  if (op !== 'remove') refuseEmpty(value, where);
  if (!target.path.schema && ['id', 'meta', 'schemas'].includes(target.path.name.toLowerCase())) {
    throw mutability(`${where}: "${target.path.name}" belongs to the service and cannot be changed.`);
  }
  const { schema, attribute, sub } = resolvePath(target.path, (detail) => invalidPath(`${where}: ${detail}`));
  if (attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly') throw mutability(`${where}: "${attribute.name}" is read-only.`);
  // Members sign in through SSO: a password is never stored, whoever sends one.
  if (attribute.mutability === 'writeOnly') return;
  const container = schema.id === CORE_USER ? user : isObject(user[schema.id]) ? (user[schema.id] as Attributes) : {};
  if (attribute.multiValued) applyMultiValued(container, op, attribute, { filter: target.filter, sub }, value, where);
  else if (target.filter) throw invalidPath(`${where}: "${attribute.name}" has one value; [...] filters only multi-valued attributes.`);
  else applySingleValued(container, op, attribute, sub, value, where);
  if (schema.id !== CORE_USER) {
    if (Object.keys(container).length > 0) user[schema.id] = container;
    else delete user[schema.id];
  }
}

const assign = (object: Attributes, name: string, value: unknown) => {
  if (value === undefined || (isObject(value) && Object.keys(value).length === 0)) delete object[name];
  else object[name] = value;
};

function applySingleValued(container: Attributes, op: PatchOperation['op'], attribute: AttributeDef, sub: AttributeDef | undefined, value: unknown, where: string): void {
  const current = isObject(container[attribute.name]) ? { ...(container[attribute.name] as Attributes) } : {};
  if (sub) {
    assign(current, sub.name, op === 'remove' ? undefined : coerceValue(sub, value, `${where}: ${attribute.name}.${sub.name}`));
    return assign(container, attribute.name, current);
  }
  if (op === 'remove') return assign(container, attribute.name, undefined);
  // A complex value names the sub-attributes to set; the others stay (RFC 7644 §3.5.2.1, §3.5.2.3).
  if (attribute.type === 'complex' && isObject(value)) {
    return assign(container, attribute.name, { ...current, ...coerceComplex(attribute.subAttributes ?? [], value, `${where}: ${attribute.name}`) });
  }
  assign(container, attribute.name, coerceValue(attribute, value, `${where}: ${attribute.name}`));
}

const stable = (value: unknown): string =>
  isObject(value) ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(',')}}` : JSON.stringify(value);

interface ValueSelection {
  filter: PatchPath['filter'];
  sub: AttributeDef | undefined;
}

function applyMultiValued(container: Attributes, op: PatchOperation['op'], attribute: AttributeDef, { filter, sub }: ValueSelection, value: unknown, where: string): void {
  const label = `${where}: ${attribute.name}`;
  const current = (Array.isArray(container[attribute.name]) ? container[attribute.name] : []) as Attributes[];
  const matched = filter ? current.filter((v) => matchesValue(filter, v, attribute)) : current;
  let next: Attributes[];
  if (op === 'remove') {
    if (filter && matched.length === 0) throw noTarget(`${label}: no value matches the filter.`);
    next = sub ? current.map((v) => (matched.includes(v) ? omit(v, sub.name) : v)) : current.filter((v) => !matched.includes(v));
  } else if (!filter && !sub) {
    const values = (coerceValue(attribute, value, label) ?? []) as Attributes[];
    const kept = op === 'add' ? current.filter((v) => !values.some((n) => stable(n) === stable(v))) : [];
    // A new primary value takes the mark from the others (RFC 7643 §2.4).
    const demoted = values.some((v) => v.primary === true) ? kept.map((v) => omit(v, 'primary')) : kept;
    next = [...demoted, ...values];
  } else if (matched.length > 0) {
    next = current.map((v) => (matched.includes(v) ? rewrite(v, attribute, sub, value, label) : v));
  } else {
    // Entra sets `emails[type eq "work"].value` with add or replace alike, also when there is none yet.
    const pinned = filter ? pinnedValues(filter, attribute) : undefined;
    if (!pinned) throw noTarget(`${label}: no value matches the path.`);
    next = [...current, rewrite(coerceComplex(attribute.subAttributes ?? [], pinned, label) ?? {}, attribute, sub, value, label)];
  }
  next = next.filter((v) => Object.keys(v).length > 0);
  if (next.length > MAX_VALUES) throw invalidValue(`${label} would have more than ${MAX_VALUES} values.`);
  checkOnePrimary(attribute, next, label);
  assign(container, attribute.name, next.length > 0 ? next : undefined);
}

const omit = (value: Attributes, name: string): Attributes => Object.fromEntries(Object.entries(value).filter(([k]) => k !== name));

function rewrite(current: Attributes, attribute: AttributeDef, sub: AttributeDef | undefined, value: unknown, label: string): Attributes {
  if (!sub) return { ...current, ...coerceComplex(attribute.subAttributes ?? [], value, label) };
  const coerced = coerceValue(sub, value, `${label}.${sub.name}`);
  return coerced === undefined ? omit(current, sub.name) : { ...current, [sub.name]: coerced };
}
