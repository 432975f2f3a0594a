import { Hono } from 'hono';
import { listOrgSites } from '../../db/org-sites.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { requireOrgAdmin } from '../session.ts';

/** The sites an org admin can assign members to (sites are created by the operator). */
export function orgSiteRoutes({ sql }: AppDeps) {
  return new Hono<AppEnv>().get('/', requireOrgAdmin, async (c) => c.json({ sites: await listOrgSites(sql, c.get('member')!.orgId) }));
}
