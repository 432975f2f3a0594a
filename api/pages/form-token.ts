import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { z } from 'zod';
import { sessionCookieName } from '../../auth/sessions.ts';
import type { Config } from '../../config/index.ts';
import type { AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { parseUrlEncoded } from '../url-encoded.ts';
import { describeIssues } from '../validate.ts';
import type { Chrome } from './layout.ts';
import { takeNotice } from './notice.ts';

/**
 * The synchronizer token of a session: an HMAC of the session id, so it needs no storage, changes
 * at every sign-in, and cannot be derived from outside (the cookie is HttpOnly). Forms post it as
 * `_csrf`; this is on top of the Origin check every cookie-carrying write passes (same-origin-forms).
 */
export const formTokenOf = (config: Config, sessionId: string) => createHmac('sha256', config.sessionSecret).update(`form-token\n${sessionId}`).digest('base64url');

/** The signed-in member and their form token; only for routes behind requirePageMember. */
export function chromeOf(c: Context<AppEnv>, config: Config): Chrome {
  const sessionId = getCookie(c, sessionCookieName(config)) ?? '';
  // A page shown (GET) takes the notice the action before it left; a form's check leaves it alone.
  const notice = c.req.method === 'GET' ? takeNotice(c, config) : undefined;
  return { member: c.get('member')!, formToken: formTokenOf(config, sessionId), notice };
}

function checkToken(expectedToken: string, sent: string | undefined) {
  const expected = Buffer.from(expectedToken);
  const actual = Buffer.from(sent ?? '');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new ClientError(403, 'form_token', 'This form did not come from a page of your current session (it may be from before you signed in again). Go back, reload the page and send it again.');
  }
}

/** A posted form checked against `expectedToken` (of whichever session posts it), then validated; the last of repeated fields counts. */
export async function checkedFormFields<S extends z.ZodType>(c: Context, expectedToken: string, schema: S): Promise<z.infer<S>> {
  const fields = Object.fromEntries(parseUrlEncoded(await c.req.text(), 'The form').map(({ name, value }) => [name, value]));
  const { _csrf, ...rest } = fields;
  checkToken(expectedToken, _csrf);
  const parsed = schema.safeParse(rest);
  if (!parsed.success) throw new ClientError(400, 'invalid_request', describeIssues(parsed.error.issues));
  return parsed.data;
}

/** A posted form of a member page: its token checked first, then its fields validated. */
export const formFields = <S extends z.ZodType>(c: Context<AppEnv>, config: Config, schema: S): Promise<z.infer<S>> =>
  checkedFormFields(c, chromeOf(c, config).formToken, schema);
