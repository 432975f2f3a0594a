import { Hono } from 'hono';
import { z } from 'zod';
import { MAX_DOMAIN_NAME_LENGTH } from '../../domain/domain-name.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { adminActor, domainActions } from '../domain-actions.ts';
import { requireOrgAdmin } from '../session.ts';
import { validate } from '../validate.ts';

/** The name is only bounded here; what may be claimed is domain/domain-claim.ts's one rule, with its own messages. */
export const addDomain = z.strictObject({ domain: z.string().max(MAX_DOMAIN_NAME_LENGTH + 1) });

/** An organisation's domains and their DNS verification (docs/domain-verification.md). */
export function domainRoutes(deps: AppDeps) {
  const domains = domainActions(deps);
  const app = new Hono<AppEnv>();
  app.use(requireOrgAdmin);

  app.get('/', async (c) => c.json({ domains: await domains.list(adminActor(c.get('member')!)) }));

  /** 201 with the TXT record to create; the same request again answers 200 with the domain as it stands. */
  app.post('/', validate('json', addDomain), async (c) => {
    const { domain, created } = await domains.add(adminActor(c.get('member')!), c.req.valid('json').domain);
    return c.json({ domain }, created ? 201 : 200);
  });

  /** 202: the check runs in the domain's workflow; GET shows its outcome. */
  app.post('/:domain/check', async (c) => c.json({ domain: await domains.checkNow(adminActor(c.get('member')!), c.req.param('domain')) }, 202));

  app.delete('/:domain', async (c) => {
    await domains.remove(adminActor(c.get('member')!), c.req.param('domain'));
    return c.body(null, 204);
  });

  return app;
}
