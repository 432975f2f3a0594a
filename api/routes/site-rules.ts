import { Hono } from 'hono';
import { z } from 'zod';
import { listDirectoryGroups, listSiteRules } from '../../db/site-rules.ts';
import { siteRoles } from '../../domain/member.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { actingAdmin as acting } from '../member-actions.ts';
import { requireOrgAdmin } from '../session.ts';
import { siteRuleActions } from '../site-rule-actions.ts';
import { uuidId, validate } from '../validate.ts';

export const siteRuleBody = z.strictObject({ groupId: uuidId(), siteId: uuidId(), role: z.enum(siteRoles) });
const ruleParam = z.object({ id: uuidId() });

/**
 * Site-access rules (docs/site-access-rules.md): "members of directory group G get site S with
 * site role R". A rule created or deleted answers at once with how many members it queued; their
 * sites follow within seconds.
 */
export function siteRuleRoutes(deps: AppDeps) {
  const { sql } = deps;
  const actions = siteRuleActions(deps);
  const app = new Hono<AppEnv>();
  app.use(requireOrgAdmin);

  app.get('/', async (c) => {
    const { orgId } = c.get('member')!;
    return c.json({ rules: await listSiteRules(sql, orgId), groups: await listDirectoryGroups(sql, orgId) });
  });

  app.post('/', validate('json', siteRuleBody), async (c) => c.json(await actions.create(acting(c), c.req.valid('json')), 201));

  app.delete('/:id', validate('param', ruleParam), async (c) => c.json(await actions.delete(acting(c), c.req.valid('param').id)));

  return app;
}
