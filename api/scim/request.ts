/** What every SCIM resource endpoint reads from a request: query parameters, paging, projection, the JSON body. */
import type { Context } from 'hono';
import { invalidSyntax, invalidValue } from '../../domain/scim/errors.ts';
import { parseFilter, type Filter } from '../../domain/scim/filter.ts';

export const MAX_PAGE_SIZE = 200;

/** Query parameters of RFC 7644 §3.4.2; sorting is not supported and ignored (ServiceProviderConfig says so). */
const QUERY_PARAMETERS = new Set(['filter', 'startIndex', 'count', 'attributes', 'excludedAttributes', 'sortBy', 'sortOrder']);
export const PROJECTION_PARAMETERS = new Set(['attributes', 'excludedAttributes']);
/** Microsoft's switch for its RFC-compliant behaviour, which ends up on requests when set on the tenant URL. */
const ENTRA_FLAG = 'aadOptscim062020';

export function query(c: Context, allowed: Set<string>) {
  const params = c.req.query();
  const unknown = Object.keys(params).filter((k) => !allowed.has(k) && k !== ENTRA_FLAG);
  if (unknown.length > 0) throw invalidValue(`Unknown query parameter "${unknown[0]!.slice(0, 64)}"; supported: ${[...allowed].join(', ')}.`);
  return params;
}

/** RFC 7644 §3.4.2.4: a startIndex below 1 means 1, a negative count means 0. */
function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^-?\d{1,15}$/.test(value)) throw invalidValue(`${name} must be an integer.`);
  return Math.min(Math.max(Number(value), min), max);
}

/** A list request's filter and page (RFC 7644 §3.4.2). */
export function listQuery(c: Context): { filter?: Filter; startIndex: number; count: number } {
  const params = query(c, QUERY_PARAMETERS);
  const startIndex = integer(params.startIndex, 'startIndex', 1, 1, 2 ** 31);
  const count = integer(params.count, 'count', 100, 0, MAX_PAGE_SIZE);
  return { ...(params.filter ? { filter: parseFilter(params.filter) } : {}), startIndex, count };
}

export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text === '') throw invalidSyntax('The request needs a JSON body (Content-Type: application/scim+json).');
  return JSON.parse(text);
}

export const projection = (c: Context) => ({ attributes: c.req.query('attributes'), excludedAttributes: c.req.query('excludedAttributes') });
