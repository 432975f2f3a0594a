import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { hasControlCharacter, hasControlCharacterInText } from '../domain/text.ts';
import { ClientError } from './errors.ts';
import { decodeComponent, parseUrlEncoded, quoted } from './url-encoded.ts';

/**
 * What any request may carry (README: Input policy). Each limit is far above what a legitimate
 * request sends; fields keep their own tighter rules (emails, slugs, hints: domain/).
 */
export const INPUT_LIMITS = {
  /** Path and query as sent. */
  urlLength: 8192,
  pathSegmentLength: 255,
  queryNameLength: 64,
  /** Authorization codes of some IdPs run to a few kB. */
  queryValueLength: 4096,
  headerValueLength: 8192,
  /** Browsers keep at most 4096 bytes per cookie. */
  cookieValueLength: 4096,
  bodyBytes: 64 * 1024,
  jsonDepth: 32,
} as const;

const invalid = (message: string) => new ClientError(400, 'invalid_input', message);
const noControls = 'remove it (NUL, line breaks and other control characters are never accepted)';

/**
 * Prose an IdP puts in its OAuth error response, with line breaks (Microsoft Entra's carries its
 * trace and correlation ids on lines of their own). Never stored or shown; other controls are refused.
 */
const MULTI_LINE_QUERY_PARAMETERS = new Set(['error_description']);

/** Tabs are legal in header values, C1 bytes are how UTF-8 in a header reads; other controls and DEL are not. */
const HEADER_CONTROL = /(?![\t\u0080-\u009f])\p{Cc}/u;

function checkPath(pathname: string) {
  for (const raw of pathname.split('/')) {
    const segment = decodeComponent(raw, 'The URL path');
    if (segment.length > INPUT_LIMITS.pathSegmentLength) throw invalid(`A segment of the URL path is longer than ${INPUT_LIMITS.pathSegmentLength} characters.`);
    if (hasControlCharacter(segment)) throw invalid(`The URL path contains a control character: ${noControls}.`);
  }
}

/** A parameter given twice is refused: components that pick the first and the last would disagree. */
function checkQuery(search: string) {
  const seen = new Set<string>();
  for (const { name, value } of parseUrlEncoded(search.slice(1), 'The query string')) {
    if (name.length > INPUT_LIMITS.queryNameLength || hasControlCharacter(name)) {
      throw invalid(`A query parameter name is longer than ${INPUT_LIMITS.queryNameLength} characters or contains a control character.`);
    }
    const param = `Query parameter ${quoted(name, 'with an unusual name')}`;
    if (seen.has(name)) throw invalid(`${param} is given more than once; send it once.`);
    seen.add(name);
    if (value.length > INPUT_LIMITS.queryValueLength) throw invalid(`${param} is longer than ${INPUT_LIMITS.queryValueLength} characters.`);
    const controlled = MULTI_LINE_QUERY_PARAMETERS.has(name) ? hasControlCharacterInText(value) : hasControlCharacter(value);
    if (controlled) throw invalid(`${param} contains a control character: ${noControls}.`);
  }
}

function checkHeaders(headers: Headers) {
  for (const [name, value] of headers) {
    if (value.length > INPUT_LIMITS.headerValueLength) {
      throw new ClientError(431, 'header_too_large', `Header ${quoted(name, 'of this request')} is longer than ${INPUT_LIMITS.headerValueLength} characters.`);
    }
    if (HEADER_CONTROL.test(value)) throw invalid(`Header ${quoted(name, 'of this request')} contains a control character: ${noControls}.`);
  }
}

/** Cookie values arrive percent-decoded: `%00` becomes a NUL here. */
function checkCookies(c: Context) {
  for (const [name, value] of Object.entries(getCookie(c))) {
    if (value.length > INPUT_LIMITS.cookieValueLength || hasControlCharacter(value)) {
      throw new ClientError(
        400,
        'invalid_cookie',
        `Cookie ${quoted(name, 'of this site')} is longer than ${INPUT_LIMITS.cookieValueLength} characters or contains a control character: clear this site's cookies in your browser and try again.`,
      );
    }
  }
}

/**
 * Every request's URL, headers and cookies, before any route, PostgreSQL, Temporal or page sees
 * them: decodable, free of control characters, within the limits above.
 */
export function requestTextPolicy(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname.length + url.search.length > INPUT_LIMITS.urlLength) {
      throw new ClientError(414, 'url_too_long', `The URL is longer than ${INPUT_LIMITS.urlLength} characters.`);
    }
    checkPath(url.pathname);
    checkQuery(url.search);
    checkHeaders(c.req.raw.headers);
    checkCookies(c);
    await next();
  };
}
