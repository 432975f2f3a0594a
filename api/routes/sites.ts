import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { findSiteForMember, listAnnouncements, listBookings, listVisitors, postAnnouncement } from '../../db/site-content.ts';
import { canPostAnnouncement, canReadSite, effectiveSiteRole, type SiteStanding } from '../../domain/site-access.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { requireMember } from '../session.ts';
import { uuidId, validate } from '../validate.ts';

const siteParam = z.object({ siteId: uuidId() });
const newAnnouncement = z.strictObject({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(5000),
});

export function siteRoutes({ sql }: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(requireMember);

  /** A site of another organisation answers like an unknown one: its existence is not revealed. */
  async function siteOf(c: Context<AppEnv>, siteId: string) {
    const member = c.get('member')!;
    const site = await findSiteForMember(sql, member, siteId);
    if (!site) throw new ClientError(404, 'not_found', 'No such site.');
    const standing: SiteStanding = { orgRole: member.orgRole, assignedRole: site.assignedRole ?? undefined };
    return { site: { id: site.id, name: site.name, role: effectiveSiteRole(standing) ?? null }, standing };
  }

  async function readableSite(c: Context<AppEnv>, siteId: string) {
    const { site, standing } = await siteOf(c, siteId);
    if (!canReadSite(standing)) {
      throw new ClientError(403, 'no_site_access', `You are not assigned to the site "${site.name}" yet. Ask an org admin of your organisation to assign you to it.`);
    }
    return site;
  }

  app.get('/:siteId/announcements', validate('param', siteParam), async (c) => {
    const site = await readableSite(c, c.req.valid('param').siteId);
    return c.json({ site, announcements: await listAnnouncements(sql, site.id) });
  });

  app.get('/:siteId/bookings', validate('param', siteParam), async (c) => {
    const site = await readableSite(c, c.req.valid('param').siteId);
    return c.json({ site, bookings: await listBookings(sql, site.id) });
  });

  app.get('/:siteId/visitors', validate('param', siteParam), async (c) => {
    const site = await readableSite(c, c.req.valid('param').siteId);
    return c.json({ site, visitors: await listVisitors(sql, site.id) });
  });

  app.post('/:siteId/announcements', validate('param', siteParam), validate('json', newAnnouncement), async (c) => {
    const member = c.get('member')!;
    const { site, standing } = await siteOf(c, c.req.valid('param').siteId);
    if (!canPostAnnouncement(standing)) {
      throw new ClientError(403, 'site_admin_required', `Only a site admin of "${site.name}" may post announcements there.`);
    }
    const { title, body } = c.req.valid('json');
    const announcement = await postAnnouncement(sql, { orgId: member.orgId, siteId: site.id, authorMemberId: member.memberId, title, body });
    return c.json({ announcement }, 201);
  });

  return app;
}
