import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../context.ts';
import { requireMember } from '../session.ts';
import { siteAccessStatus } from '../site-access-status.ts';

export function meRoutes({ sql, config }: AppDeps) {
  return new Hono<AppEnv>().get('/me', requireMember, async (c) => {
    const member = c.get('member')!;
    const [org]: [{ slug: string; name: string }?] = await sql`select slug, name from organisations where id = ${member.orgId}`;
    const sites = await sql<{ id: string; name: string; role: string }[]>`
      select s.id, s.name, a.site_role as role from site_assignments a join sites s on s.id = a.site_id
      where a.member_id = ${member.memberId} order by s.name`;
    return c.json({
      member: { id: member.memberId, email: member.email, name: member.name, status: member.status },
      org: org!,
      orgRole: member.orgRole,
      sites,
      ...(sites.length === 0 ? await siteAccessStatus(sql, config, member) : {}),
    });
  });
}
