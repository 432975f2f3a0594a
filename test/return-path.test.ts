import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RETURN_PATH_LENGTH, safeReturnPath } from '../domain/return-path.ts';

const BASE = 'https://app.example';

describe('safeReturnPath: where a sign-in may send the browser back to', () => {
  it.each(['/', '/admin/members/6be494c1-89a8-4183-9986-f66290770d07', '/admin/members?status=active&q=Ada%20Lovelace', '/a%2Eb'])('keeps the local path %s', (path) => {
    expect(safeReturnPath(path)).toBe(path);
  });

  it.each([
    ['protocol-relative', '//evil.test'],
    ['a backslash browsers read as a slash', '/\\evil.test'],
    ['a scheme', 'https://evil.test'],
    ['javascript', 'javascript:alert(1)'],
    ['no leading slash', 'admin/members'],
    ['encoded slashes', '/%2F%2Fevil.test'],
    ['double-encoded slashes', '/%252F%252Fevil.test'],
    ['an encoded backslash', '/%5Cevil.test'],
    ['an encoded line break', '/%0d%0aLocation:%20https://evil.test'],
    ['a line break', '/admin\n/members'],
    ['a tab browsers strip', '/\t/evil.test'],
    ['malformed percent-encoding', '/%E0%A4%A'],
    ['nested encodings beyond the bound', `/${encodeURIComponent(encodeURIComponent(encodeURIComponent(encodeURIComponent('/'))))}`],
    ['too long', `/${'a'.repeat(MAX_RETURN_PATH_LENGTH)}`],
    ['empty', ''],
  ])('drops %s', (_what, path) => {
    expect(safeReturnPath(path)).toBeUndefined();
  });

  it('never keeps a value that resolves off the origin, whatever it is', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.string().map((s) => `/${s}`), fc.string().map((s) => `//${s}`)), (value) => {
        const kept = safeReturnPath(value);
        if (kept === undefined) return;
        expect(new URL(kept, BASE).origin).toBe(BASE);
        expect(new URL(decodeURIComponent(kept), BASE).origin).toBe(BASE);
        expect(kept.startsWith('/') && !kept.startsWith('//')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
