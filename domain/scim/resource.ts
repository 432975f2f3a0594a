/**
 * A SCIM User as sent by a directory, checked against the schema and put in canonical form:
 * attribute names in the schema's case, booleans as booleans (Microsoft Entra sends "True" and
 * "False"), null meaning "no value", read-only attributes (id, meta, groups) and the write-only
 * password dropped, anything unknown refused.
 */
import { invalidSyntax, invalidValue } from './errors.ts';
import { CORE_USER, ENTERPRISE_USER, findAttribute, findSchema, MEMBER_EXTENSION, schemas, type AttributeDef } from './schema.ts';

export type Attributes = Record<string, unknown>;

/** The stored form: core attributes at the top, each writable extension under its URN. */
export interface UserResource extends Attributes {
  userName: string;
  active: boolean;
}

/** Far above any real value; keeps one user's row small. */
const MAX_STRING_LENGTH = 1024;
export const MAX_VALUES = 20;

export const isObject = (value: unknown): value is Attributes => typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7643 §2.5 defines booleans; Microsoft Entra sends them as the strings "True" and "False". */
function toBoolean(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(`${where} must be true or false, not ${JSON.stringify(value)?.slice(0, 60)}.`);
}

/** The canonical form of one attribute's value; undefined means "no value". */
export function coerceValue(def: AttributeDef, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!def.multiValued) {
    if (Array.isArray(value)) throw invalidValue(`${where} takes one value, not a list.`);
    return coerceSingle(def, value, where);
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length > MAX_VALUES) throw invalidValue(`${where} has more than ${MAX_VALUES} values.`);
  const values = items.map((item, i) => coerceSingle(def, item, `${where}[${i}]`)).filter((v) => v !== undefined);
  checkOnePrimary(def, values, where);
  return values.length > 0 ? values : undefined;
}

export function checkOnePrimary(def: AttributeDef, values: unknown[], where: string): void {
  if (values.filter((v) => isObject(v) && v.primary === true).length > 1) throw invalidValue(`${where}: at most one value may be primary.`);
}

function coerceSingle(def: AttributeDef, value: unknown, where: string): unknown {
  if (value === null) return undefined;
  if (def.type === 'boolean') return toBoolean(value, where);
  if (def.type === 'complex') {
    // Microsoft Entra sets the enterprise manager as its id alone: "value": "<id>".
    const shorthand = typeof value === 'string' && findAttribute(def.subAttributes, 'value') ? { value } : value;
    return coerceComplex(def.subAttributes ?? [], shorthand, where);
  }
  if (typeof value !== 'string') throw invalidValue(`${where} must be a string, not ${JSON.stringify(value).slice(0, 60)}.`);
  if (value.length > MAX_STRING_LENGTH) throw invalidValue(`${where} is longer than ${MAX_STRING_LENGTH} characters.`);
  return value;
}

/** Sub-attributes in the schema's case; read-only ones (manager.displayName) are the service's to set. */
export function coerceComplex(subAttributes: readonly AttributeDef[], value: unknown, where: string): Attributes | undefined {
  if (!isObject(value)) throw invalidValue(`${where} must be an object.`);
  const out: Attributes = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(subAttributes, key);
    if (!sub) throw invalidSyntax(`${where} has no attribute "${key.slice(0, 100)}".`);
    if (sub.mutability !== 'readWrite') continue;
    const coerced = coerceValue(sub, item, `${where}.${sub.name}`);
    if (coerced !== undefined) out[sub.name] = coerced;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function checkSchemas(value: unknown): void {
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
    throw invalidSyntax(`"schemas" must list the resource's schema URNs, at least "${CORE_USER}".`);
  }
  for (const urn of value) if (!findSchema(urn)) throw invalidValue(`Unknown schema "${urn.slice(0, 100)}" in "schemas".`);
  if (!value.some((s) => s.toLowerCase() === CORE_USER.toLowerCase())) throw invalidValue(`"schemas" must contain "${CORE_USER}".`);
}

/** Read-only here: the resource's id and meta are the service's, whatever a client sends. */
const SERVICE_OWNED = new Set(['schemas', 'id', 'meta', MEMBER_EXTENSION.toLowerCase()]);

/** The body of POST or PUT /Users. `active` defaults to true (RFC 7643 leaves it to the provider). */
export function parseUserResource(body: unknown, current?: UserResource): UserResource {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object: a SCIM User resource.');
  // Attribute names are case-insensitive (RFC 7643 §2.1), `schemas` too.
  checkSchemas(Object.entries(body).find(([key]) => key.toLowerCase() === 'schemas')?.[1]);
  const user: Attributes = {};
  for (const [key, value] of Object.entries(body)) {
    if (SERVICE_OWNED.has(key.toLowerCase())) continue;
    const extension = findSchema(key);
    if (extension) {
      const attributes = coerceComplex(extension.attributes, value ?? {}, extension.id);
      if (attributes) user[extension.id] = attributes;
      continue;
    }
    const def = findAttribute(schemas[CORE_USER]!.attributes, key);
    if (!def) throw invalidSyntax(`Unknown attribute "${key.slice(0, 100)}": see GET /scim/v2/Schemas for the attributes of a User.`);
    if (def.mutability !== 'readWrite') continue;
    const coerced = coerceValue(def, value, def.name);
    if (coerced !== undefined) user[def.name] = coerced;
  }
  return checkUser({ ...user, active: user.active ?? current?.active ?? true });
}

/** What every stored user satisfies, after a create, a replace or a patch. */
export function checkUser(user: Attributes): UserResource {
  const { userName } = user;
  if (typeof userName !== 'string' || userName.trim() === '') throw invalidValue('userName is required and must not be empty.');
  if (typeof user.active !== 'boolean') throw invalidValue('active must be true or false.');
  if (ENTERPRISE_USER in user && !isObject(user[ENTERPRISE_USER])) throw invalidValue(`${ENTERPRISE_USER} must be an object.`);
  return user as UserResource;
}
