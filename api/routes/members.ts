import { Hono } from 'hono';
import { z } from 'zod';
import { resetIdentityLinks } from '../../auth/identity-links.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { requireOrgAdmin } from '../session.ts';

const noSuchMember = () => new ClientError(404, 'not_found', 'No such member in this organisation.');

export function memberRoutes({ sql }: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(requireOrgAdmin);

  /** Resets the member's sign-in link: their next sign-in may link by email again (a recreated IdP account). */
  app.delete('/:id/identities', async (c) => {
    const admin = c.get('member')!;
    const id = c.req.param('id');
    if (!z.uuid().safeParse(id).success) throw noSuchMember();
    const reset = await resetIdentityLinks(sql, { orgId: admin.orgId, memberId: id, actor: `member:${admin.memberId}` });
    if (!reset) throw noSuchMember();
    return c.json(reset);
  });

  return app;
}
