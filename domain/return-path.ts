import { hasControlCharacter } from './text.ts';

/** Member pages have short paths; anything longer is not a page of ours worth returning to. */
export const MAX_RETURN_PATH_LENGTH = 512;

/** Decodings a browser or a proxy on the way might apply; each one must stay a local path. */
const MAX_DECODINGS = 3;

/** One local path: `/x`, never `//host` or `/\host` (browsers read both as another host), no scheme, no controls. */
function isLocalPath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') && !hasControlCharacter(value);
}

/**
 * Where a sign-in may send the browser back to: a same-origin relative path (with its query), or
 * undefined. Never an open redirect: the value and each of its percent-decodings must read as a
 * local path, so `/%2F%2Fevil.test` or an encoded line break are refused like `//evil.test`.
 */
export function safeReturnPath(value: string | undefined | null): string | undefined {
  if (!value || value.length > MAX_RETURN_PATH_LENGTH) return undefined;
  let current = value;
  for (let i = 0; i <= MAX_DECODINGS; i++) {
    if (!isLocalPath(current)) return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (decoded === current) break;
    if (i === MAX_DECODINGS) return undefined;
    current = decoded;
  }
  // The URL parser has the last word: the path must resolve on our own origin.
  const base = 'http://return-path.invalid';
  const url = new URL(value, base);
  return url.origin === base ? value : undefined;
}
