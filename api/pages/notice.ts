import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { cookieName, cookieOptions } from '../../auth/sessions.ts';
import type { Config } from '../../config/index.ts';

/** Longer notices are cut: a sentence about one action, never a list. */
const MAX_LENGTH = 300;
const noticeCookie = (config: Config) => cookieName(config, 'notice');
/** Cut by code points: a cut between the two halves of an emoji would make encodeURIComponent throw after the action was done. */
const cut = (text: string) => Array.from(text).slice(0, MAX_LENGTH).join('');

/**
 * What an action did, shown once on the page it redirects to ("Alice Example can now see Berlin HQ
 * as a site member"). A cookie this origin set (`__Host-` over https, so no sibling host can plant
 * one), never a query parameter a link could forge; rendered escaped like every other value.
 */
export function setNotice(c: Context, config: Config, text: string) {
  // setCookie percent-encodes the value once; encoding it here too made a Japanese notice outgrow
  // the 4096 bytes a browser keeps of a cookie, and the browser dropped it.
  setCookie(c, noticeCookie(config), cut(text), { ...cookieOptions(config), maxAge: 60 });
}

/** The notice left by the action before this page, cleared as it is shown. */
export function takeNotice(c: Context, config: Config): string | undefined {
  const value = getCookie(c, noticeCookie(config));
  if (value === undefined) return undefined;
  deleteCookie(c, noticeCookie(config), cookieOptions(config));
  // getCookie has decoded it.
  return cut(value) || undefined;
}
