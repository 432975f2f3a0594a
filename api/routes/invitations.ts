import { Hono } from 'hono';
import { z } from 'zod';
import { emailAddress } from '../../domain/email.ts';
import { orgRoles } from '../../domain/member.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { invitationActions } from '../invitation-actions.ts';
import { requireOrgAdmin } from '../session.ts';
import { validate } from '../validate.ts';

export const createInvitation = z.object({
  email: emailAddress,
  orgRole: z.enum(orgRoles).default('member'),
});

export function invitationRoutes(deps: AppDeps) {
  const invitations = invitationActions(deps);
  const app = new Hono<AppEnv>();
  app.use(requireOrgAdmin);

  app.get('/', async (c) => c.json({ invitations: await invitations.list(c.get('member')!) }));

  /** Repeating the same request returns the pending invitation with 200 (and re-queues its email). */
  app.post('/', validate('json', createInvitation), async (c) => {
    const { email, orgRole } = c.req.valid('json');
    const { invitation, created } = await invitations.create(c.get('member')!, email, orgRole);
    return c.json({ invitation }, created ? 201 : 200);
  });

  app.delete('/:id', async (c) => {
    await invitations.revoke(c.get('member')!, c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
