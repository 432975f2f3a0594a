import { Hono, type Context } from 'hono';
import {
  createDirectoryUser,
  deleteDirectoryUser,
  findDirectoryUser,
  findLiveByUserName,
  listDirectoryUsers,
  markDelivered,
  releaseDelivery,
  updateDirectoryUser,
  type DirectoryWrite,
} from '../../db/directory-users.ts';
import { resourceNotFound, ScimError } from '../../domain/scim/errors.ts';
import { selectAttributes, toScimUser, type StoredUser } from '../../domain/scim/mapping.ts';
import { applyPatch, parsePatchRequest } from '../../domain/scim/patch.ts';
import { parseUserResource } from '../../domain/scim/resource.ts';
import { sendDirectoryEvent } from '../../temporal/directory-events.ts';
import { memberEmailHasher } from '../../temporal/member-email-hash.ts';
import type { AppDeps } from '../context.ts';
import type { ScimEnv } from './context.ts';
import { jsonBody, listQuery, projection, PROJECTION_PARAMETERS, query } from './request.ts';
import { listResponse, scimJson } from './respond.ts';

/** The lifecycle is told within this, or the client gets a 503 and its retry tells it. */
const SIGNAL_DEADLINE_MS = 5_000;

export function userRoutes({ sql, temporal, config, log }: AppDeps, baseUrl: string) {
  const hashEmail = memberEmailHasher(config.encryptionKey);
  const app = new Hono<ScimEnv>();
  const answer = (user: StoredUser) => toScimUser(user, `${baseUrl}/Users/${user.id}`);
  const actor = (c: Context<ScimEnv>) => c.get('scim');

  /**
   * Hands a committed change to the member's lifecycle, if this request claimed it (db/directory-users.ts:
   * identical requests at the same moment send one signal). On failure the change stands, the claim
   * is given back, and a retry (or the backstop) delivers it.
   */
  async function deliver(c: Context<ScimEnv>, write: DirectoryWrite) {
    const { event, member } = write;
    if (!event) return;
    try {
      await temporal.client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => sendDirectoryEvent(temporal.client, member, event, config.temporal.taskQueue, hashEmail));
    } catch (cause) {
      log.error({ err: cause, requestId: c.get('requestId'), memberId: member.memberId, seq: event.seq }, 'directory event not delivered');
      // Should this fail too, the claim goes stale within a minute and the backstop takes the event.
      await releaseDelivery(sql, member.memberId, event.seq).catch((err: unknown) => log.warn({ err, memberId: member.memberId }, 'delivery claim not released'));
      throw Object.assign(new ScimError(503, 'The change is saved, but could not be applied yet: repeat the request in a minute.'), { cause });
    }
    await markDelivered(sql, member.memberId, event.seq);
  }

  app.get('/', async (c) => {
    const list = listQuery(c);
    const page = await listDirectoryUsers(sql, actor(c).orgId, list);
    return scimJson(c, listResponse(page.users.map((u) => selectAttributes(answer(u), projection(c))), page.totalResults, list.startIndex));
  });

  app.get('/:id', async (c) => {
    query(c, PROJECTION_PARAMETERS);
    const user = await findDirectoryUser(sql, actor(c).orgId, c.req.param('id'));
    if (!user) throw resourceNotFound(c.req.param('id'));
    return scimJson(c, selectAttributes(answer(user), projection(c)));
  });

  app.post('/', async (c) => {
    query(c, new Set());
    const user = parseUserResource(await jsonBody(c));
    const write = await createDirectoryUser(sql, actor(c), user).catch(async (err: unknown) => {
      const existing = err instanceof ScimError && err.status === 409 ? await findLiveByUserName(sql, actor(c), user.userName) : undefined;
      if (existing) await deliver(c, existing);
      throw err;
    });
    await deliver(c, write);
    c.header('Location', `${baseUrl}/Users/${write.user.id}`);
    return scimJson(c, answer(write.user), 201);
  });

  app.put('/:id', async (c) => {
    query(c, new Set());
    const body = await jsonBody(c);
    const write = await updateDirectoryUser(sql, actor(c), c.req.param('id'), (current) => parseUserResource(body, current));
    await deliver(c, write);
    return scimJson(c, answer(write.user));
  });

  app.patch('/:id', async (c) => {
    query(c, new Set());
    const operations = parsePatchRequest(await jsonBody(c));
    const write = await updateDirectoryUser(sql, actor(c), c.req.param('id'), (current) => applyPatch(current, operations));
    await deliver(c, write);
    return scimJson(c, answer(write.user));
  });

  app.delete('/:id', async (c) => {
    query(c, new Set());
    const write = await deleteDirectoryUser(sql, actor(c), c.req.param('id'));
    await deliver(c, write);
    if (!write.deleted) throw resourceNotFound(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
