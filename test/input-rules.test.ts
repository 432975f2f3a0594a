import { describe, expect, it } from 'vitest';
import { isDomainName, MAX_DOMAIN_NAME_LENGTH } from '../domain/domain-name.ts';
import { isEmailAddress } from '../domain/email.ts';
import { isOrgSlug, MAX_ORG_SLUG_LENGTH } from '../domain/org-slug.ts';
import { checkClaims, displayableOAuthError } from '../domain/sign-in.ts';
import { hasControlCharacter, hasControlCharacterInText } from '../domain/text.ts';

describe('control characters', () => {
  it('finds NUL, line breaks, ESC, DEL, C1 controls and lone surrogates in a single-line value', () => {
    for (const bad of ['a\u0000b', 'a\nb', 'a\rb', 'a\tb', '\u001b[31m', 'a\u007fb', 'a\u0085b', 'a\ud800b']) {
      expect(hasControlCharacter(bad), JSON.stringify(bad)).toBe(true);
    }
    expect(hasControlCharacter('Zoë Ünal 😀 <ada@acme.example>')).toBe(false);
  });

  it('lets free text span lines, and nothing else', () => {
    expect(hasControlCharacterInText('line one\r\n\tline two')).toBe(false);
    expect(hasControlCharacterInText('line\u0000')).toBe(true);
  });
});

describe('field limits defined once in domain/', () => {
  it('an email address holds no control character (a NUL would reach PostgreSQL)', () => {
    expect(isEmailAddress('a\u0000b@acme.example')).toBe(false);
    expect(isEmailAddress('a@ac\u0000me.example')).toBe(false);
  });

  it('a slug has at most 63 characters of a-z, 0-9 and -', () => {
    expect(isOrgSlug('a'.repeat(MAX_ORG_SLUG_LENGTH))).toBe(true);
    expect(isOrgSlug('a'.repeat(MAX_ORG_SLUG_LENGTH + 1))).toBe(false);
    for (const bad of ['', '-acme', 'Acme', '../etc', 'acme\u0000', 'ac me']) expect(isOrgSlug(bad), bad).toBe(false);
  });

  it('a domain name has at most 253 characters', () => {
    const longest = `${'a.'.repeat((MAX_DOMAIN_NAME_LENGTH - 3) / 2)}com`;
    expect(longest).toHaveLength(MAX_DOMAIN_NAME_LENGTH);
    expect(isDomainName(longest)).toBe(true);
    expect(isDomainName(`a${longest}`)).toBe(false);
  });

  it("an IdP's name claim loses its control characters and is cut to 200 characters", () => {
    const claims = { iss: 'https://idp.example', sub: '1', email: 'ada@acme.example', email_verified: true };
    expect(checkClaims({ ...claims, name: 'Ada\u0000 Love\nlace' })).toEqual({ email: 'ada@acme.example', name: 'Ada  Love lace' });
    expect(checkClaims({ ...claims, name: 'x'.repeat(5000) })).toMatchObject({ name: 'x'.repeat(200) });
    // A right-to-left override would show the name reversed in admins' emails and pages; a ZWJ emoji stays whole.
    expect(checkClaims({ ...claims, name: 'Ada \u202Eecalevol\u202C' })).toMatchObject({ name: 'Ada ecalevol' });
    expect(checkClaims({ ...claims, name: 'Ada \u{1F469}\u200D\u{1F4BB}' })).toMatchObject({ name: 'Ada \u{1F469}\u200D\u{1F4BB}' });
  });
});

describe('IdP subjects', () => {
  it('refuses a sub that is not printable ASCII of 1 to 255 characters before it is stored', () => {
    const claims = { iss: 'https://idp.example', email: 'ada@acme.example', email_verified: true };
    expect(checkClaims({ ...claims, sub: '00u1abc-_.|x' })).toMatchObject({ email: 'ada@acme.example' });
    for (const sub of ['', 'a\u0000b', 's'.repeat(256), 'süb']) expect(checkClaims({ ...claims, sub }), JSON.stringify(sub)).toEqual({ refused: 'subject_unusable' });
  });
});

describe('IdP error codes on pages', () => {
  it('shows registered-style codes and drops anything else', () => {
    expect(displayableOAuthError('access_denied')).toBe('access_denied');
    expect(displayableOAuthError('interaction_required')).toBe('interaction_required');
    for (const bad of ['', 'Call +1 555 0100', 'access_denied\u0007', '<b>x</b>', 'x'.repeat(65)]) expect(displayableOAuthError(bad), bad).toBeUndefined();
  });
});
