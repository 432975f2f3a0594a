import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { ScimError, type ScimType } from '../../domain/scim/errors.ts';
import { isDatabaseUnavailable } from '../../db/unavailable.ts';
import { ClientError, DATABASE_RETRY_AFTER_SECONDS } from '../errors.ts';
import { ERROR_RESPONSE, scimJson } from './respond.ts';

/** The input policy's refusals (api/input-policy.ts, api/body-policy.ts) in SCIM's words. */
const policyScimTypes: Record<string, ScimType> = {
  invalid_json: 'invalidSyntax',
  invalid_input: 'invalidValue',
  invalid_cookie: 'invalidValue',
};

const body = (status: ContentfulStatusCode, detail: string, scimType?: ScimType) => ({
  schemas: [ERROR_RESPONSE],
  status: String(status),
  ...(scimType ? { scimType } : {}),
  detail,
});

/** Every error under /scim/ as an RFC 7644 §3.12 error body; 5xx reveal nothing. */
export function scimError(err: Error, c: Context, log: Logger) {
  const requestId = c.get('requestId') as string | undefined;
  // A 503 ScimError was logged, with its context, where it was raised (api/scim/users.ts).
  if (err instanceof ScimError) return scimJson(c, body(err.status, err.detail, err.scimType), err.status);
  if (err instanceof ClientError && err.status < 500) return scimJson(c, body(err.status, err.message, policyScimTypes[err.code]), err.status);
  if (err instanceof HTTPException && err.status < 500) return scimJson(c, body(err.status, err.message || `The request was refused (HTTP ${err.status}).`), err.status);
  if (isDatabaseUnavailable(err)) {
    log.error({ err, requestId, path: c.req.path }, 'dependency unavailable');
    c.header('Retry-After', DATABASE_RETRY_AFTER_SECONDS);
    return scimJson(c, body(503, `The service is briefly unavailable: repeat the request in a minute (request ${requestId}).`), 503);
  }
  log.error({ err, requestId, path: c.req.path }, 'unhandled scim error');
  return scimJson(c, body(500, `Something went wrong on our side (request ${requestId}).`), 500);
}
