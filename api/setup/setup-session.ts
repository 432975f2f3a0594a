import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { z } from 'zod';
import { cookieName, cookieOptions } from '../../auth/sessions.ts';
import type { Config } from '../../config/index.ts';
import { endSetupSession, resolveSetupSession, SETUP_SESSION, type SetupContact } from '../../db/setup-sessions.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { checkedFormFields, formTokenOf } from '../pages/form-token.ts';
import { page } from '../pages/layout.ts';

export interface SetupEnv {
  Variables: AppEnv['Variables'] & { contact: SetupContact };
}

/**
 * Its own cookie, never the member `session` one: every member route reads only that, so a setup
 * session opens no member page or API (/api/me, /admin/*, site content), and a member session
 * opens no setup page. `__Host-` over https like every cookie of ours.
 */
export const setupCookieName = (config: Config) => cookieName(config, 'setup-session');

export function startSetupCookie(c: Context, config: Config, sessionId: string) {
  setCookie(c, setupCookieName(config), sessionId, { ...cookieOptions(config), maxAge: SETUP_SESSION.absoluteHours * 3600 });
}

export async function endSetupCookie(c: Context, { sql, config }: Pick<AppDeps, 'sql' | 'config'>) {
  const id = getCookie(c, setupCookieName(config));
  if (id) await endSetupSession(sql, id);
  deleteCookie(c, setupCookieName(config), cookieOptions(config));
}

/** The setup pages need a live setup session; anyone else gets a page saying how to get one. */
export function requireSetupContact({ sql, config }: AppDeps): MiddlewareHandler<SetupEnv> {
  return async (c, next) => {
    const id = getCookie(c, setupCookieName(config));
    const contact = id ? await resolveSetupSession(sql, id) : undefined;
    if (!contact) {
      return page(
        c,
        401,
        'Open your setup link',
        `The setup pages open only from a setup link emailed to an IT contact, and a setup session ends after ${SETUP_SESSION.idleMinutes} minutes without use or ${SETUP_SESSION.absoluteHours} hours after it started. Ask an admin of your organisation to send you a new setup link (Admin → Setup).`,
      );
    }
    c.set('contact', contact);
    await next();
  };
}

/** The setup session's form token: the same HMAC as member pages, over the setup session id. */
export const setupFormToken = (c: Context, config: Config) => formTokenOf(config, getCookie(c, setupCookieName(config)) ?? '');

export const setupTokenField = (c: Context, config: Config) => html`<input type="hidden" name="_csrf" value="${setupFormToken(c, config)}" />`;

export const setupFormFields = <S extends z.ZodType>(c: Context, config: Config, schema: S): Promise<z.infer<S>> => checkedFormFields(c, setupFormToken(c, config), schema);
