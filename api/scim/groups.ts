import { Hono, type Context } from 'hono';
import {
  createDirectoryGroup,
  deleteDirectoryGroup,
  findDirectoryGroup,
  groupNotFound,
  listDirectoryGroups,
  patchDirectoryGroup,
  replaceDirectoryGroup,
  type StoredGroup,
} from '../../db/directory-groups.ts';
import { groupChanges, parseGroupResource } from '../../domain/scim/group.ts';
import { selectAttributes } from '../../domain/scim/mapping.ts';
import { parsePatchRequest } from '../../domain/scim/patch.ts';
import { CORE_GROUP } from '../../domain/scim/schema.ts';
import type { AppDeps } from '../context.ts';
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

/** SCIM Groups (RFC 7643 §4.2): stored and audited; no access follows from them yet. No workflow is involved. */
export function groupRoutes({ sql }: AppDeps, baseUrl: string) {
  const app = new Hono<ScimEnv>();
  const actor = (c: Context<ScimEnv>) => c.get('scim');
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
    const group = await replaceDirectoryGroup(sql, actor(c), c.req.param('id'), parseGroupResource(await jsonBody(c)));
    return scimJson(c, answer(c, group));
  });

  app.patch('/:id', async (c) => {
    query(c, PROJECTION_PARAMETERS);
    const operations = parsePatchRequest(await jsonBody(c));
    const group = await patchDirectoryGroup(sql, actor(c), c.req.param('id'), (current) => groupChanges(operations, current.id), { members: wantsMembers(c) });
    return scimJson(c, answer(c, group));
  });

  app.delete('/:id', async (c) => {
    query(c, new Set());
    await deleteDirectoryGroup(sql, actor(c), c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
