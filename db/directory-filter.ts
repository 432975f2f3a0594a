/**
 * A parsed SCIM filter as SQL: for Users over directory_links `l` joined with members `m`, for Groups
 * over directory_groups `g`. Every value and attribute name is a bound parameter; attribute names
 * come from the schema, never from the request.
 */
import type postgres from 'postgres';
import { invalidFilter } from '../domain/scim/errors.ts';
import type { AttrPath, Filter } from '../domain/scim/filter.ts';
import { checkComparison, resolvePath } from '../domain/scim/path.ts';
import { CORE_GROUP, CORE_USER, findAttribute, groupSchema, MEMBER_EXTENSION, type AttributeDef } from '../domain/scim/schema.ts';
import type { Queryable } from './client.ts';

type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** A value to compare, or a multi-valued attribute whose elements (`e.v`) are compared. */
interface Target {
  expr: Fragment;
  def: AttributeDef;
  elements?: Fragment;
  /** `eq` through the column's own index (Okta's existence check before every create). */
  indexedEq?: (value: string) => Fragment;
}

const ID: AttributeDef = { name: 'id', type: 'string', multiValued: false, description: '', required: false, caseExact: false, mutability: 'readOnly', returned: 'always', uniqueness: 'server' };

function userTarget(sql: Queryable, path: AttrPath): Target {
  if (!path.schema && !path.sub && path.name.toLowerCase() === 'id') return { expr: sql`l.scim_id::text`, def: ID };
  if (!path.schema && path.name.toLowerCase() === 'meta') throw invalidFilter('Filtering on meta is not supported.');
  const { schema, attribute, sub } = resolvePath(path, invalidFilter);
  if (schema.id === MEMBER_EXTENSION) return { expr: sql`m.status`, def: attribute };
  if (schema.id === CORE_USER && !sub) {
    if (attribute.name === 'userName') return { expr: sql`l.user_name::text`, def: attribute, indexedEq: (value) => sql`(l.user_name = ${value}::citext)` };
    if (attribute.name === 'externalId') return { expr: sql`l.external_id`, def: attribute };
    if (attribute.name === 'active') return { expr: sql`(l.directory_state = 'active')`, def: attribute };
  }
  const base = schema.id === CORE_USER ? sql`l.resource` : sql`(l.resource -> ${schema.id}::text)`;
  if (attribute.multiValued) {
    // RFC 7644 §3.4.2.2: a multi-valued attribute without a sub-attribute compares its values.
    const element = sub ?? findAttribute(attribute.subAttributes, 'value')!;
    return { expr: sql`(e.v ->> ${element.name}::text)`, def: element, elements: sql`coalesce(${base} -> ${attribute.name}::text, '[]'::jsonb)` };
  }
  if (sub) return { expr: sql`(${base} -> ${attribute.name}::text ->> ${sub.name}::text)`, def: sub };
  return { expr: sql`(${base} ->> ${attribute.name}::text)`, def: attribute };
}

/** Groups filter on id, displayName and externalId: the lookups Okta and Entra make before a push. */
function groupTarget(sql: Queryable, path: AttrPath): Target {
  if (path.schema && path.schema.toLowerCase() !== CORE_GROUP.toLowerCase()) throw invalidFilter(`Unknown schema "${path.schema.slice(0, 100)}" for a Group.`);
  const name = path.sub ? undefined : path.name.toLowerCase();
  if (name === 'id') return { expr: sql`g.id::text`, def: ID };
  const attribute = name === 'displayname' || name === 'externalid' ? findAttribute(groupSchema.attributes, path.name) : undefined;
  if (!attribute) throw invalidFilter(`Groups can be filtered on id, displayName and externalId, not "${[path.name, path.sub].filter(Boolean).join('.').slice(0, 100)}".`);
  if (attribute.name === 'displayName') return { expr: sql`g.display_name`, def: attribute, indexedEq: (value) => sql`(lower(g.display_name) = lower(${value}::text))` };
  return { expr: sql`g.external_id`, def: attribute };
}

type TopTarget = (sql: Queryable, path: AttrPath) => Target;

function elementTarget(sql: Queryable, attribute: AttributeDef, path: AttrPath): Target {
  const sub = !path.schema && !path.sub ? findAttribute(attribute.subAttributes, path.name) : undefined;
  if (!sub) throw invalidFilter(`Inside ${attribute.name}[...], name a sub-attribute of ${attribute.name} (such as type or value), not "${path.name.slice(0, 100)}".`);
  return { expr: sql`(e.v ->> ${sub.name}::text)`, def: sub };
}

function condition(sql: Queryable, { expr, def, indexedEq }: Target, filter: Filter & { kind: 'present' | 'compare' }): Fragment {
  if (def.type === 'complex') throw invalidFilter(`"${def.name}" is complex: filter one of its sub-attributes (such as ${def.name}.${def.subAttributes?.[0]?.name}).`);
  if (filter.kind === 'present') return def.type === 'boolean' ? sql`(${expr} is not null)` : sql`(coalesce(${expr}, '') <> '')`;
  checkComparison(def, filter.op, filter.value);
  if (typeof filter.value === 'boolean') {
    const flag = sql`coalesce((${expr})::boolean, false)`;
    return filter.op === 'eq' ? sql`(${flag} = ${filter.value})` : sql`(${flag} <> ${filter.value})`;
  }
  if (filter.op === 'eq' && indexedEq) return indexedEq(String(filter.value));
  const value = def.caseExact ? String(filter.value) : String(filter.value).toLowerCase();
  const x = def.caseExact ? expr : sql`lower(${expr})`;
  switch (filter.op) {
    case 'eq':
      return sql`(${x} = ${value}::text)`;
    case 'ne':
      return sql`(${x} is distinct from ${value}::text)`;
    case 'co':
      return sql`(strpos(${x}, ${value}::text) > 0)`;
    case 'sw':
      return sql`starts_with(${x}, ${value}::text)`;
    case 'ew':
      return sql`(right(${x}, length(${value}::text)) = ${value}::text)`;
    case 'gt':
      return sql`(${x} > ${value}::text)`;
    case 'lt':
      return sql`(${x} < ${value}::text)`;
    case 'ge':
      return sql`(${x} >= ${value}::text)`;
    case 'le':
      return sql`(${x} <= ${value}::text)`;
  }
}

const anyElement = (sql: Queryable, elements: Fragment, where: Fragment) => sql`exists (select 1 from jsonb_array_elements(${elements}) as e(v) where ${where})`;

function compile(sql: Queryable, filter: Filter, top: TopTarget, element?: AttributeDef): Fragment {
  switch (filter.kind) {
    case 'logical': {
      const [left, right] = [compile(sql, filter.left, top, element), compile(sql, filter.right, top, element)];
      return filter.op === 'and' ? sql`(${left} and ${right})` : sql`(${left} or ${right})`;
    }
    case 'not':
      return sql`(not coalesce(${compile(sql, filter.filter, top, element)}, false))`;
    case 'valuePath': {
      if (element) throw invalidFilter('A filter inside [...] cannot hold another [...].');
      const target = top(sql, filter.path);
      if (!target.elements || filter.path.sub) throw invalidFilter(`"${filter.path.name.slice(0, 100)}" is not multi-valued: [...] filters only attributes such as emails.`);
      const attribute = resolvePath(filter.path, invalidFilter).attribute;
      return anyElement(sql, target.elements, compile(sql, filter.filter, top, attribute));
    }
    case 'present':
    case 'compare': {
      const target = element ? elementTarget(sql, element, filter.path) : top(sql, filter.path);
      const test = condition(sql, target, filter);
      return target.elements ? anyElement(sql, target.elements, test) : test;
    }
  }
}

export const filterToSql = (sql: Queryable, filter: Filter): Fragment => compile(sql, filter, userTarget);
export const groupFilterToSql = (sql: Queryable, filter: Filter): Fragment => compile(sql, filter, groupTarget);
