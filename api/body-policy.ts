import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { hasControlCharacter, hasControlCharacterInText } from '../domain/text.ts';
import { ClientError } from './errors.ts';
import { parseUrlEncoded } from './url-encoded.ts';

/** application/json and structured suffixes such as application/scim+json (as hono's validator). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

const mediaType = (contentType: string | undefined) => (contentType ?? '').replace(/;.*$/s, '').trim().toLowerCase();

const controlInBody = () =>
  new ClientError(400, 'invalid_input', 'The body contains a control character (such as NUL); only tab and line breaks are accepted inside text.');

/** Refuses a body over `maxBytes` with 413 before it is parsed: by Content-Length, or by counting a chunked one. */
export function bodySizeLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The rest of the body is never read: the connection cannot carry another request.
      c.header('Connection', 'close');
      throw new ClientError(413, 'body_too_large', `The request body is larger than ${maxBytes / 1024} kB. Nothing was saved; send only the documented fields.`);
    },
  });
}

/** Walks the parsed JSON without recursion, so depth is the only thing nesting can cost. */
function checkJson(text: string, maxDepth: number) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ClientError(400, 'invalid_json', 'The body is not valid JSON: check its quotes, commas and brackets.');
  }
  const pending: { value: unknown; depth: number }[] = [{ value: parsed, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === 'string' && hasControlCharacterInText(value)) throw controlInBody();
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) throw new ClientError(400, 'invalid_json', `The JSON body nests deeper than ${maxDepth} levels.`);
    for (const [key, child] of Object.entries(value)) {
      if (hasControlCharacter(key)) throw controlInBody();
      pending.push({ value: child, depth: depth + 1 });
    }
  }
}

function checkForm(text: string) {
  for (const { name, value } of parseUrlEncoded(text, 'The form')) {
    if (hasControlCharacter(name) || hasControlCharacterInText(value)) throw controlInBody();
  }
}

/**
 * A body is JSON, or a form outside the JSON API; its text is free of control characters except
 * tab and line breaks inside strings (field schemas refuse those where they do not belong).
 * Runs after bodySizeLimit, so at most that much is read.
 */
export function bodyTextPolicy(maxDepth: number): MiddlewareHandler {
  return async (c, next) => {
    const text = c.req.raw.body ? await c.req.text() : '';
    if (text === '') return next();
    const type = mediaType(c.req.header('content-type'));
    const api = c.req.path.startsWith('/api/') || c.req.path.startsWith('/scim/');
    if (JSON_MEDIA_TYPE.test(type)) checkJson(text, maxDepth);
    else if (type === 'application/x-www-form-urlencoded' && !api) checkForm(text);
    else {
      throw new ClientError(
        415,
        'unsupported_media_type',
        api ? 'The API takes JSON bodies: send Content-Type: application/json (or application/scim+json).' : 'Send the body as JSON (application/json) or as a form (application/x-www-form-urlencoded).',
      );
    }
    await next();
  };
}
