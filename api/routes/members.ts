import { Hono } from 'hono';
import { z } from 'zod';
import { resetIdentityLinks } from '../../auth/identity-links.ts';
import { findMember, listMembers } from '../../db/member-queries.ts';
import type { SiteAccessChange } from '../../db/site-assignments.ts';
import { memberSiteSources } from '../../db/site-sources.ts';
import { MAX_REASON_LENGTH } from '../../domain/lifecycle.ts';
import { MemberNotFoundError } from '../../domain/member-errors.ts';
import { memberSources, memberStatuses, orgRoles, siteRoles } from '../../domain/member.ts';
import { statusUpdates, type StatusDecisionName } from '../../temporal/member-status.ts';
import { bulkSiteAssignment, bulkSiteGrant } from '../bulk-site-assignment.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { encodeMemberCursor, memberCursor } from '../cursor.ts';
import { actingAdmin as acting, memberActions } from '../member-actions.ts';
import { requireOrgAdmin } from '../session.ts';
import { memberReminders } from '../site-access-status.ts';
import { uuidId, validate } from '../validate.ts';

const MAX_SITES_PER_REQUEST = 200;

export const listQuery = z.strictObject({
  siteAccess: z.enum(['none', 'some']).optional(),
  status: z.enum(memberStatuses).optional(),
  source: z.enum(memberSources).optional(),
  q: z.string().trim().max(100).optional().transform((q) => q || undefined),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: memberCursor.optional(),
});

export const memberParam = z.object({ id: uuidId() });
export const memberSiteParam = z.object({ id: uuidId(), siteId: uuidId() });
export const siteGrant = z.strictObject({ siteId: uuidId(), role: z.enum(siteRoles) });
const siteSet = z.strictObject({
  sites: z
    .array(siteGrant)
    .max(MAX_SITES_PER_REQUEST)
    .refine((grants) => new Set(grants.map((g) => g.siteId)).size === grants.length, 'name each siteId at most once'),
});
export const roleChange = z.strictObject({ orgRole: z.enum(orgRoles) });
/** The body is optional: without one (or without `reason`) the decision has no reason. */
export const statusRequest = z.strictObject({
  reason: z.string().trim().max(MAX_REASON_LENGTH).optional().transform((reason) => reason || null),
});
const siteAnswer = ({ changed, sites }: SiteAccessChange) => ({ changed, sites });

export function memberRoutes(deps: AppDeps) {
  const { sql, config } = deps;
  const actions = memberActions(deps);
  const assignMany = bulkSiteAssignment(deps);
  const app = new Hono<AppEnv>();
  app.use(requireOrgAdmin);

  /** Resets the member's sign-in link: their next sign-in may link by email again (a recreated IdP account). */
  app.delete('/:id/identities', async (c) => {
    const admin = c.get('member')!;
    const id = c.req.param('id');
    if (!z.uuid().safeParse(id).success) throw new MemberNotFoundError();
    const reset = await resetIdentityLinks(sql, { orgId: admin.orgId, memberId: id, actor: `member:${admin.memberId}` });
    if (!reset) throw new MemberNotFoundError();
    return c.json(reset);
  });

  app.get('/', validate('query', listQuery), async (c) => {
    const { limit, cursor, ...filters } = c.req.valid('query');
    const page = await listMembers(sql, c.get('member')!.orgId, filters, { limit, after: cursor });
    return c.json({ members: page.members, nextCursor: page.next ? encodeMemberCursor(page.next) : null });
  });

  /** One site with one role for up to 500 members (docs/api-bulk-site-assignment.md): a result per member. */
  app.post('/site-assignments', validate('json', bulkSiteGrant), async (c) => {
    const { memberIds, ...grant } = c.req.valid('json');
    return c.json(await assignMany(acting(c), memberIds, grant));
  });

  /** The member, their sites and where each comes from and, while they wait, what the org's reminders will do about them next. */
  app.get('/:id', validate('param', memberParam), async (c) => {
    const admin = c.get('member')!;
    const found = await findMember(sql, admin.orgId, c.req.valid('param').id);
    if (!found) throw new MemberNotFoundError();
    return c.json({
      ...found,
      siteSources: await memberSiteSources(sql, admin.orgId, found.member.id),
      reminders: await memberReminders(sql, config.reminders, admin.orgId, found.member.id),
    });
  });

  /** disable, enable, follow-directory: answered with the status the member's lifecycle took. */
  for (const decision of Object.keys(statusUpdates) as StatusDecisionName[]) {
    app.post(`/:id/${decision}`, validate('param', memberParam), validate('json', statusRequest), async (c) =>
      c.json(await actions.decideStatus(acting(c), c.req.valid('param').id, decision, c.req.valid('json').reason)),
    );
  }

  app.patch('/:id', validate('param', memberParam), validate('json', roleChange), async (c) =>
    c.json(await actions.changeOrgRole(acting(c), c.req.valid('param').id, c.req.valid('json').orgRole)),
  );

  /** The full set: the same set again changes nothing and writes no audit event. */
  app.put('/:id/sites', validate('param', memberParam), validate('json', siteSet), async (c) =>
    c.json(siteAnswer(await actions.setSites(acting(c), c.req.valid('param').id, c.req.valid('json').sites))),
  );

  app.post('/:id/sites', validate('param', memberParam), validate('json', siteGrant), async (c) =>
    c.json(siteAnswer(await actions.assignSite(acting(c), c.req.valid('param').id, c.req.valid('json')))),
  );

  /** While a directory group's rule gives the site, the removal sticks until the site is handed back. */
  app.delete('/:id/sites/:siteId', validate('param', memberSiteParam), async (c) => {
    const { id, siteId } = c.req.valid('param');
    return c.json(siteAnswer(await actions.unassignSite(acting(c), id, siteId)));
  });

  /** Drops the admins' decision about the site: the directory groups' rules decide it again. */
  app.post('/:id/sites/:siteId/hand-back', validate('param', memberSiteParam), async (c) => {
    const { id, siteId } = c.req.valid('param');
    return c.json(siteAnswer(await actions.handBackSite(acting(c), id, siteId)));
  });

  return app;
}
