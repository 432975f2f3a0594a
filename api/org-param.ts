import type { MiddlewareHandler } from 'hono';
import { isOrgSlug, ORG_SLUG_RULE } from '../domain/org-slug.ts';
import { ClientError } from './errors.ts';

/** `:org` must be a slug before any route looks it up or compares it: "../../etc" gets a 400, not a query. */
export const orgSlugParam: MiddlewareHandler = async (c, next) => {
  const org = c.req.param('org');
  if (org !== undefined && !isOrgSlug(org)) {
    throw new ClientError(400, 'invalid_org', `The URL does not name an organisation: a name is ${ORG_SLUG_RULE}. Check the link.`);
  }
  await next();
};
