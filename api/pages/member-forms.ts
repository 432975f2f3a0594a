import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { statusUpdates, type StatusDecisionName } from '../../temporal/member-status.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { actingAdmin as acting, memberActions } from '../member-actions.ts';
import { memberParam, memberSiteParam, roleChange, siteGrant, statusRequest } from '../routes/members.ts';
import { validate } from '../validate.ts';
import { formFields } from './form-token.ts';

/**
 * The member page's forms: the same actions and field rules as the JSON API, then back to the
 * member page (303, so a reload does not post again) where the outcome shows.
 */
export function memberForms(deps: AppDeps) {
  const actions = memberActions(deps);
  const back = (c: Context<AppEnv>, id: string) => c.redirect(`/admin/members/${id}`, 303);
  const app = new Hono<AppEnv>();

  app.post('/:id/sites', validate('param', memberParam), async (c) => {
    const { id } = c.req.valid('param');
    await actions.assignSite(acting(c), id, await formFields(c, deps.config, siteGrant));
    return back(c, id);
  });

  app.post('/:id/sites/:siteId/remove', validate('param', memberSiteParam), async (c) => {
    const { id, siteId } = c.req.valid('param');
    await formFields(c, deps.config, z.strictObject({}));
    await actions.unassignSite(acting(c), id, siteId);
    return back(c, id);
  });

  app.post('/:id/role', validate('param', memberParam), async (c) => {
    const { id } = c.req.valid('param');
    await actions.changeOrgRole(acting(c), id, (await formFields(c, deps.config, roleChange)).orgRole);
    return back(c, id);
  });

  for (const decision of Object.keys(statusUpdates) as StatusDecisionName[]) {
    app.post(`/:id/${decision}`, validate('param', memberParam), async (c) => {
      const { id } = c.req.valid('param');
      await actions.decideStatus(acting(c), id, decision, (await formFields(c, deps.config, statusRequest)).reason);
      return back(c, id);
    });
  }
  return app;
}
