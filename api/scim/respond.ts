import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** RFC 7644 §3.1: SCIM answers are application/scim+json. */
const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:Error';

export const scimJson = (c: Context, body: unknown, status: ContentfulStatusCode = 200) =>
  c.body(JSON.stringify(body), status, { 'content-type': SCIM_CONTENT_TYPE });

export const listResponse = (resources: unknown[], totalResults: number, startIndex = 1) => ({
  schemas: [LIST_RESPONSE],
  totalResults,
  itemsPerPage: resources.length,
  startIndex,
  Resources: resources,
});
