import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';

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

/** One mapping from errors to HTTP: 4xx explain what to fix, 5xx reveal nothing. */
export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    const requestId = c.get('requestId') as string | undefined;
    if (err instanceof ClientError) {
      return c.json({ error: err.code, message: err.message, requestId }, err.status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return c.json({ error: 'http_error', message: err.message, requestId }, err.status);
    }
    log.error({ err, requestId, path: c.req.path }, 'unhandled error');
    return c.json({ error: 'internal_error', message: 'Something went wrong on our side.', requestId }, 500);
  };
}
