import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import {
  DirectoryGroupNotFoundError,
  LastOrgAdminError,
  MemberDisabledError,
  MemberNotFoundError,
  SiteNotFoundError,
  SiteRuleExistsError,
  SiteRuleNotFoundError,
} from '../domain/member-errors.ts';
import type { Config } from '../config/index.ts';
import { errorPage } from './pages/error-page.ts';
import { scimError } from './scim/errors.ts';

/** An error whose message is written for the person who made the request. */
export class ClientError extends Error {
  override name = 'ClientError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Refusals raised below the api (db/, domain/), each with the status and code it answers with. */
const refusals: [new (...args: never[]) => Error, ContentfulStatusCode, string][] = [
  [MemberNotFoundError, 404, 'not_found'],
  [SiteNotFoundError, 404, 'site_not_found'],
  [MemberDisabledError, 409, 'member_disabled'],
  [LastOrgAdminError, 409, 'last_org_admin'],
  [SiteRuleNotFoundError, 404, 'site_rule_not_found'],
  [DirectoryGroupNotFoundError, 404, 'group_not_found'],
  [SiteRuleExistsError, 409, 'site_rule_exists'],
];

/** PostgreSQL out of reach (restart, failover): worth another try shortly. */
export const DATABASE_RETRY_AFTER_SECONDS = '30';

/** Browser flows (sign-in pages) get a page; the JSON API gets JSON. */
export const wantsPage = (c: Context) => !c.req.path.startsWith('/api/') && (c.req.header('accept') ?? '').includes('text/html');

/** One mapping from errors to HTTP: 4xx explain what to fix, 5xx reveal nothing. */
export function errorHandler(log: Logger, config: Config) {
  return (err: Error, c: Context) => {
    if (c.req.path.startsWith('/scim/')) return scimError(err, c, log);
    const requestId = c.get('requestId') as string | undefined;
    const answer = (status: ContentfulStatusCode, error: string, message: string) =>
      wantsPage(c)
        ? errorPage(c, config, status, status < 500 ? 'Request refused' : 'Something went wrong', message)
        : c.json({ error, message, requestId }, status);
    if (err instanceof ClientError) {
      if (err.status >= 500) log.error({ err, requestId, path: c.req.path }, 'dependency unavailable');
      return answer(err.status, err.code, err.message);
    }
    const refusal = refusals.find(([type]) => err instanceof type);
    if (refusal) return answer(refusal[1], refusal[2], err.message);
    if (err instanceof HTTPException && err.status < 500) {
      return answer(err.status, 'http_error', err.message || `The request was refused (HTTP ${err.status}).`);
    }
    if (isDatabaseUnavailable(err)) {
      log.error({ err, requestId, path: c.req.path }, 'dependency unavailable');
      c.header('Retry-After', DATABASE_RETRY_AFTER_SECONDS);
      return answer(503, 'temporarily_unavailable', 'The service is briefly unavailable. Please try again in a minute.');
    }
    log.error({ err, requestId, path: c.req.path }, 'unhandled error');
    return answer(500, 'internal_error', 'Something went wrong on our side.');
  };
}
