import { Hono } from 'hono';
import { ScimError } from '../../domain/scim/errors.ts';
import { CORE_GROUP, CORE_USER, ENTERPRISE_USER, MEMBER_EXTENSION, publishedSchemas, type SchemaDef } from '../../domain/scim/schema.ts';
import { INPUT_LIMITS } from '../input-policy.ts';
import type { ScimEnv } from './context.ts';
import { listResponse, scimJson } from './respond.ts';
import { MAX_PAGE_SIZE } from './request.ts';

/** RFC 7644 §4: what this service provider supports, for clients that discover it. */
export function discoveryRoutes(baseUrl: string) {
  const app = new Hono<ScimEnv>();
  const userType = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'A member of the organisation, as its directory sees them',
    schema: CORE_USER,
    schemaExtensions: [
      { schema: ENTERPRISE_USER, required: false },
      { schema: MEMBER_EXTENSION, required: false },
    ],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
  };
  const groupType = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: "A group of the organisation's directory; the organisation's site-access rules give its members sites",
    schema: CORE_GROUP,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
  };
  const resourceTypes = [userType, groupType];
  const schemaDocument = (schema: SchemaDef) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    ...schema,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  });

  app.get('/ServiceProviderConfig', (c) =>
    scimJson(c, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: INPUT_LIMITS.bodyBytes },
      filter: { supported: true, maxResults: MAX_PAGE_SIZE },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'Bearer token',
          description: 'One token per organisation, issued by the operator (npm run cli -- scim-token create <org>)',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
    }),
  );
  app.get('/ResourceTypes', (c) => scimJson(c, listResponse(resourceTypes, resourceTypes.length)));
  app.get('/ResourceTypes/:id', (c) => {
    const resourceType = resourceTypes.find((t) => t.id === c.req.param('id'));
    if (!resourceType) throw new ScimError(404, `No resource type "${c.req.param('id').slice(0, 100)}": this service has User and Group.`);
    return scimJson(c, resourceType);
  });
  app.get('/Schemas', (c) => scimJson(c, listResponse(publishedSchemas.map(schemaDocument), publishedSchemas.length)));
  app.get('/Schemas/:id', (c) => {
    const schema = publishedSchemas.find((s) => s.id.toLowerCase() === c.req.param('id').toLowerCase());
    if (!schema) throw new ScimError(404, `No schema "${c.req.param('id').slice(0, 200)}".`);
    return scimJson(c, schemaDocument(schema));
  });
  return app;
}
