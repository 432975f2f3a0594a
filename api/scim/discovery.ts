import { Hono } from 'hono';
import { ScimError } from '../../domain/scim/errors.ts';
import { CORE_USER, ENTERPRISE_USER, findSchema, MEMBER_EXTENSION, schemas, type SchemaDef } from '../../domain/scim/schema.ts';
import { INPUT_LIMITS } from '../input-policy.ts';
import type { ScimEnv } from './context.ts';
import { listResponse, scimJson } from './respond.ts';
import { MAX_PAGE_SIZE } from './users.ts';

/** RFC 7644 §4: what this service provider supports, for clients that discover it. */
export function discoveryRoutes(baseUrl: string) {
  const app = new Hono<ScimEnv>();
  const resourceType = {
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
  app.get('/ResourceTypes', (c) => scimJson(c, listResponse([resourceType], 1)));
  app.get('/ResourceTypes/:id', (c) => {
    if (c.req.param('id') !== 'User') throw new ScimError(404, `No resource type "${c.req.param('id').slice(0, 100)}": this service has User only.`);
    return scimJson(c, resourceType);
  });
  app.get('/Schemas', (c) => scimJson(c, listResponse(Object.values(schemas).map(schemaDocument), Object.keys(schemas).length)));
  app.get('/Schemas/:id', (c) => {
    const schema = findSchema(c.req.param('id'));
    if (!schema) throw new ScimError(404, `No schema "${c.req.param('id').slice(0, 200)}".`);
    return scimJson(c, schemaDocument(schema));
  });
  return app;
}
