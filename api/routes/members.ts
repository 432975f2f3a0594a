import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { resetIdentityLinks } from '../../auth/identity-links.ts';
import { findMember, listMembers } from '../../db/member-queries.ts';
import { changeOrgRole } from '../../db/org-roles.ts';
import { assignSite, setMemberSites, unassignSite, type SiteAccessChange } from '../../db/site-assignments.ts';
import { MemberNotFoundError } from '../../domain/member-errors.ts';
import { memberSources, memberStatuses, orgRoles, siteRoles } from '../../domain/member.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { encodeMemberCursor, memberCursor } from '../cursor.ts';
import { requireOrgAdmin } from '../session.ts';
import { validate } from '../validate.ts';

const MAX_SITES_PER_REQUEST = 200;

const listQuery = z.strictObject({
  siteAccess: z.enum(['none', 'some']).optional(),
  status: z.enum(memberStatuses).optional(),
  source: z.enum(memberSources).optional(),
  q: z.string().trim().max(100).optional().transform((q) => q || undefined),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: memberCursor.optional(),
});

const memberParam = z.object({ id: z.uuid() });
const memberSiteParam = z.object({ id: z.uuid(), siteId: z.uuid() });
const siteGrant = z.strictObject({ siteId: z.uuid(), role: z.enum(siteRoles) });
const siteSet = z.strictObject({
  sites: z
    .array(siteGrant)
    .max(MAX_SITES_PER_REQUEST)
    .refine((grants) => new Set(grants.map((g) => g.siteId)).size === grants.length, 'name each siteId at most once'),
});
const roleChange = z.strictObject({ orgRole: z.enum(orgRoles) });

/** The acting org admin and the member they act on, scoped to the admin's own organisation. */
const target = (c: Context<AppEnv>, memberId: string) => {
  const admin = c.get('member')!;
  return { orgId: admin.orgId, memberId, actor: `member:${admin.memberId}` };
};

const siteAnswer = ({ changed, sites }: SiteAccessChange) => ({ changed, sites });

export function memberRoutes({ sql }: AppDeps) {
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

  app.get('/:id', validate('param', memberParam), async (c) => {
    const found = await findMember(sql, c.get('member')!.orgId, c.req.valid('param').id);
    if (!found) throw new MemberNotFoundError();
    return c.json(found);
  });

  app.patch('/:id', validate('param', memberParam), validate('json', roleChange), async (c) => {
    const { id } = c.req.valid('param');
    const { changed } = await changeOrgRole(sql, target(c, id), c.req.valid('json').orgRole);
    const found = await findMember(sql, c.get('member')!.orgId, id);
    if (!found) throw new MemberNotFoundError();
    return c.json({ changed, ...found });
  });

  /** The full set: the same set again changes nothing and writes no audit event. */
  app.put('/:id/sites', validate('param', memberParam), validate('json', siteSet), async (c) => {
    const change = await setMemberSites(sql, target(c, c.req.valid('param').id), c.req.valid('json').sites);
    return c.json(siteAnswer(change));
  });

  app.post('/:id/sites', validate('param', memberParam), validate('json', siteGrant), async (c) => {
    const change = await assignSite(sql, target(c, c.req.valid('param').id), c.req.valid('json'));
    return c.json(siteAnswer(change));
  });

  app.delete('/:id/sites/:siteId', validate('param', memberSiteParam), async (c) => {
    const { id, siteId } = c.req.valid('param');
    const change = await unassignSite(sql, target(c, id), siteId);
    return c.json(siteAnswer(change));
  });

  return app;
}
