/** What an attribute path means in the User schema, and how a filter inside [...] picks values. */
import { invalidFilter, type ScimError } from './errors.ts';
import type { AttrPath, CompareOp, Filter, FilterValue } from './filter.ts';
import { CORE_USER, findAttribute, findSchema, schemas, type AttributeDef, type SchemaDef } from './schema.ts';

export interface ResolvedPath {
  schema: SchemaDef;
  attribute: AttributeDef;
  sub?: AttributeDef;
}

/** Names in paths are case-insensitive (RFC 7643 §2.1); the schema gives them their canonical case. */
export function resolvePath(path: AttrPath, fail: (detail: string) => ScimError): ResolvedPath {
  const schema = path.schema ? findSchema(path.schema) : schemas[CORE_USER]!;
  if (!schema) throw fail(`Unknown schema "${path.schema!.slice(0, 100)}".`);
  const where = schema.id === CORE_USER ? '' : ` in ${schema.id}`;
  const attribute = findAttribute(schema.attributes, path.name);
  if (!attribute) throw fail(`Unknown attribute "${path.name.slice(0, 100)}"${where}.`);
  if (!path.sub) return { schema, attribute };
  const sub = findAttribute(attribute.subAttributes, path.sub);
  if (!sub) throw fail(`Attribute "${attribute.name}" has no sub-attribute "${path.sub.slice(0, 100)}".`);
  return { schema, attribute, sub };
}

/** A comparison the attribute's type allows: strings with "quoted" values, booleans with eq/ne true/false. */
export function checkComparison(def: AttributeDef, op: CompareOp, value: FilterValue): void {
  if (def.type === 'complex') throw invalidFilter(`"${def.name}" is complex: compare one of its sub-attributes (${def.name}.value, or ${def.name}[...]).`);
  if (def.type === 'boolean') {
    if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne')) throw invalidFilter(`"${def.name}" is true or false: compare it with eq or ne and true or false.`);
    return;
  }
  if (typeof value !== 'string') throw invalidFilter(`"${def.name}" is a string: compare it with a "quoted" value.`);
}

function compare(def: AttributeDef, op: CompareOp, actual: unknown, expected: FilterValue): boolean {
  checkComparison(def, op, expected);
  if (typeof expected === 'boolean') return (actual === expected) === (op === 'eq');
  if (typeof actual !== 'string') return op === 'ne';
  const [a, e] = def.caseExact ? [actual, String(expected)] : [actual.toLowerCase(), String(expected).toLowerCase()];
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'lt':
      return a < e;
    case 'ge':
      return a >= e;
    case 'le':
      return a <= e;
  }
}

function subAttribute(attribute: AttributeDef, path: AttrPath): AttributeDef {
  const sub = !path.schema && !path.sub ? findAttribute(attribute.subAttributes, path.name) : undefined;
  if (!sub) throw invalidFilter(`Inside ${attribute.name}[...], name a sub-attribute of ${attribute.name} (such as type or value), not "${path.name.slice(0, 100)}".`);
  return sub;
}

/** Whether one value of a multi-valued attribute (an email, a phone number) passes the filter in [...]. */
export function matchesValue(filter: Filter, value: Record<string, unknown>, attribute: AttributeDef): boolean {
  switch (filter.kind) {
    case 'logical': {
      const left = matchesValue(filter.left, value, attribute);
      return filter.op === 'and' ? left && matchesValue(filter.right, value, attribute) : left || matchesValue(filter.right, value, attribute);
    }
    case 'not':
      return !matchesValue(filter.filter, value, attribute);
    case 'valuePath':
      throw invalidFilter('A filter inside [...] cannot hold another [...].');
    case 'present': {
      const present = value[subAttribute(attribute, filter.path).name];
      return present !== undefined && present !== '';
    }
    case 'compare': {
      const sub = subAttribute(attribute, filter.path);
      return compare(sub, filter.op, value[sub.name], filter.value);
    }
  }
}

/**
 * The sub-attribute values a filter pins with `eq` (`type eq "work"` → { type: 'work' }), or
 * undefined if it says more than that: what a value created for an unmatched filter must carry.
 */
export function pinnedValues(filter: Filter, attribute: AttributeDef): Record<string, FilterValue> | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq') return { [subAttribute(attribute, filter.path).name]: filter.value };
  if (filter.kind !== 'logical' || filter.op !== 'and') return undefined;
  const left = pinnedValues(filter.left, attribute);
  const right = pinnedValues(filter.right, attribute);
  return left && right ? { ...left, ...right } : undefined;
}
