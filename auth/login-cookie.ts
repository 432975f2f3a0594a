import { safeReturnPath } from '../domain/return-path.ts';
import { sign, unsign } from './tokens.ts';

/**
 * The browser's half of a login transaction: the signed state (binds the callback to the browser
 * that started it, against login CSRF) and, apart from it, the page to return to after sign-in,
 * signed together with the state. The two parts are checked separately, so a return path that fails
 * its signature or its safety check is dropped (the sign-in lands on the home page) without
 * spoiling the sign-in itself.
 */
const SEPARATOR = '|';
const returnToPayload = (state: string, path: string) => `return-to${SEPARATOR}${state}${SEPARATOR}${path}`;

export function sealLoginCookie(secret: string, state: string, returnTo: string | undefined): string {
  const bound = sign(secret, state);
  return returnTo ? `${bound}${SEPARATOR}${sign(secret, returnToPayload(state, returnTo))}` : bound;
}

export interface OpenedLoginCookie {
  /** The cookie was set for this state by this service. */
  bound: boolean;
  /** A safe same-origin path, only when its signature and the state both match. */
  returnTo?: string;
}

export function openLoginCookie(secret: string, cookie: string | undefined, state: string): OpenedLoginCookie {
  if (!cookie) return { bound: false };
  const cut = cookie.indexOf(SEPARATOR);
  const bound = unsign(secret, cut < 0 ? cookie : cookie.slice(0, cut)) === state;
  if (!bound || cut < 0) return { bound };
  const payload = unsign(secret, cookie.slice(cut + 1));
  const prefix = returnToPayload(state, '');
  const returnTo = payload?.startsWith(prefix) ? safeReturnPath(payload.slice(prefix.length)) : undefined;
  return returnTo ? { bound, returnTo } : { bound };
}
