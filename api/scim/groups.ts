import { Hono, type Context } from 'hono';
import {
  createDirectoryGroup,
  deleteDirectoryGroup,
  findDirectoryGroup,
  groupNotFound,
  listDirectoryGroups,
  patchDirectoryGroup,
  replaceDirectoryGroup,
  type GroupWrite,
  type StoredGroup,
} from '../../db/directory-groups.ts';
import { groupChanges, parseGroupResource } from '../../domain/scim/group.ts';
import { selectAttributes } from '../../domain/scim/mapping.ts';
import { parsePatchRequest } from '../../domain/scim/patch.ts';
import { CORE_GROUP } from '../../domain/scim/schema.ts';
import type { AppDeps } from '../context.ts';
import { siteAccessAnnouncer } from '../site-access-announcer.ts';
import type { ScimEnv } from './context.ts';
import { jsonBody, listQuery, projection, PROJECTION_PARAMETERS, query } from './request.ts';
import { listResponse, scimJson } from './respond.ts';

/**
 * Whether the answer shows members. Okta and Entra ask with `excludedAttributes=members` whenever
 * they only look a group up, so a large group's members are then not even read.
 */
function wantsMembers(c: Context): boolean {
  const names = (list: string) => list.split(',').map((name) => name.trim().toLowerCase().replace(`${CORE_GROUP.toLowerCase()}:`, '').split(/[.[]/)[0]);
  const { attributes, excludedAttributes } = projection(c);
  if (attributes) return names(attributes).includes('members');
  return !(excludedAttributes && names(excludedAttributes).includes('members'));
}

/**
 * SCIM Groups (RFC 7643 §4.2). A membership change grants or takes away the sites of the group's
 * site-access rules in the same transaction; members whose wait for a site began or ended are
 * announced to Temporal after the commit. A deleted group's members are queued and worked out by
 * a workflow run.
 */
export function groupRoutes(deps: AppDeps, baseUrl: string) {
  const { sql } = deps;
  const announcer = siteAccessAnnouncer(deps);
  const app = new Hono<ScimEnv>();
  const actor = (c: Context<ScimEnv>) => c.get('scim');
  const announced = async (c: Context<ScimEnv>, { group, flips }: GroupWrite) => {
    await announcer.announceMany(actor(c), flips, c.get('requestId'));
    return group;
  };
  const answer = (c: Context, group: StoredGroup) =>
    selectAttributes(
      {
        schemas: [CORE_GROUP],
        id: group.id,
        displayName: group.displayName,
        ...(group.externalId !== null ? { externalId: group.externalId } : {}),
        ...(group.members ? { members: group.members.map((m) => ({ value: m.value, display: m.display, type: 'User', $ref: `${baseUrl}/Users/${m.value}` })) } : {}),
        meta: { resourceType: 'Group', created: group.created.toISOString(), lastModified: group.lastModified.toISOString(), location: `${baseUrl}/Groups/${group.id}` },
      },
      projection(c),
    );

  app.get('/', async (c) => {
    const list = listQuery(c);
    const page = await listDirectoryGroups(sql, actor(c).orgId, { ...list, members: wantsMembers(c) });
    return scimJson(c, listResponse(page.groups.map((g) => answer(c, g)), page.totalResults, list.startIndex));
  });

  app.get('/:id', async (c) => {
    query(c, PROJECTION_PARAMETERS);
    const group = await findDirectoryGroup(sql, actor(c).orgId, c.req.param('id'), { members: wantsMembers(c) });
    if (!group) throw groupNotFound(c.req.param('id'));
    return scimJson(c, answer(c, group));
  });

  app.post('/', async (c) => {
    query(c, new Set());
    const group = await createDirectoryGroup(sql, actor(c), parseGroupResource(await jsonBody(c)));
    c.header('Location', `${baseUrl}/Groups/${group.id}`);
    return scimJson(c, answer(c, group), 201);
  });

  app.put('/:id', async (c) => {
    query(c, new Set());
    const group = await announced(c, await replaceDirectoryGroup(sql, actor(c), c.req.param('id'), parseGroupResource(await jsonBody(c))));
    return scimJson(c, answer(c, group));
  });

  app.patch('/:id', async (c) => {
    query(c, PROJECTION_PARAMETERS);
    const operations = parsePatchRequest(await jsonBody(c));
    const write = await patchDirectoryGroup(sql, actor(c), c.req.param('id'), (current) => groupChanges(operations, current.id), { members: wantsMembers(c) });
    const group = await announced(c, write);
    return scimJson(c, answer(c, group));
  });

  app.delete('/:id', async (c) => {
    query(c, new Set());
    const { queued } = await deleteDirectoryGroup(sql, actor(c), c.req.param('id'));
    if (queued > 0) await announcer.startApplyingRules(actor(c), c.get('requestId'));
    return c.body(null, 204);
  });

  return app;
}
