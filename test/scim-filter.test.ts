import { describe, expect, it } from 'vitest';
import { ScimError } from '../domain/scim/errors.ts';
import { parseFilter, parsePatchPath } from '../domain/scim/filter.ts';
import { matchesValue, resolvePath } from '../domain/scim/path.ts';
import { findAttribute, schemas } from '../domain/scim/schema.ts';
import { CORE_USER, ENTERPRISE_USER } from './support/scim-fixtures.ts';

const scimTypeOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    if (err instanceof ScimError) return `${err.status} ${err.scimType}`;
    throw err;
  }
  return 'no error';
};
const emails = findAttribute(schemas[CORE_USER]!.attributes, 'emails')!;

describe('SCIM filter parser', () => {
  it("reads Okta's existence check and Entra's connection test as userName eq", () => {
    expect(parseFilter('userName eq "test.user@okta.local"')).toEqual({ kind: 'compare', op: 'eq', path: { name: 'userName' }, value: 'test.user@okta.local' });
    expect(parseFilter('userName eq "ab6490ee-1e48-479e-a20b-2d77186b5dd1"')).toMatchObject({ op: 'eq', value: 'ab6490ee-1e48-479e-a20b-2d77186b5dd1' });
  });

  it('takes operators and keywords in any case, and escapes in strings', () => {
    expect(parseFilter('externalId EQ "a\\"b\\\\c"')).toEqual({ kind: 'compare', op: 'eq', path: { name: 'externalId' }, value: 'a"b\\c' });
    expect(parseFilter('active Eq TRUE')).toMatchObject({ value: true });
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: { name: 'title' } });
  });

  it('reads emails[type eq "work"].value eq "x" as a value filter on both conditions', () => {
    expect(parseFilter('emails[type eq "work"].value eq "ada@acme.test"')).toEqual({
      kind: 'valuePath',
      path: { name: 'emails' },
      filter: {
        kind: 'logical',
        op: 'and',
        left: { kind: 'compare', op: 'eq', path: { name: 'type' }, value: 'work' },
        right: { kind: 'compare', op: 'eq', path: { name: 'value' }, value: 'ada@acme.test' },
      },
    });
  });

  it('gives and precedence over or, and honours parentheses and not', () => {
    const f = parseFilter('userName eq "a" or userName eq "b" and externalId eq "c"');
    expect(f).toMatchObject({ op: 'or', right: { op: 'and' } });
    expect(parseFilter('(userName eq "a" or userName eq "b") and externalId eq "c"')).toMatchObject({ op: 'and', left: { op: 'or' } });
    expect(parseFilter('not (active eq false)')).toMatchObject({ kind: 'not', filter: { op: 'eq', value: false } });
  });

  it('reads schema-qualified attribute names', () => {
    expect(parseFilter(`${ENTERPRISE_USER}:department eq "R&D"`)).toMatchObject({ path: { schema: ENTERPRISE_USER, name: 'department' } });
    expect(parseFilter(`${CORE_USER}:name.givenName sw "A"`)).toMatchObject({ path: { schema: CORE_USER, name: 'name', sub: 'givenName' }, op: 'sw' });
  });

  it.each([
    ['userName', 'no operator'],
    ['userName eq', 'no value'],
    ['userName equals "a"', 'unknown operator'],
    ['userName eq "a" and', 'dangling and'],
    ['userName eq "a")', 'unbalanced parenthesis'],
    ['emails[type eq "work"', 'unclosed bracket'],
    ['userName eq \'a\'', 'single quotes'],
    ['userName eq "a\\u0000"', 'NUL escape'],
    ['userName eq "a" userName eq "b"', 'missing and/or'],
    [`${'('.repeat(40)}userName eq "a"${')'.repeat(40)}`, 'nesting too deep'],
    ['', 'empty'],
  ])('refuses %j (%s) with 400 invalidFilter', (text) => {
    expect(scimTypeOf(() => parseFilter(text))).toBe('400 invalidFilter');
  });
});

describe('SCIM PATCH paths', () => {
  it('reads plain, dotted, qualified and filtered paths', () => {
    expect(parsePatchPath('active')).toEqual({ path: { name: 'active' } });
    expect(parsePatchPath('name.familyName')).toEqual({ path: { name: 'name', sub: 'familyName' } });
    expect(parsePatchPath(`${ENTERPRISE_USER}:manager`)).toEqual({ path: { schema: ENTERPRISE_USER, name: 'manager' } });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      path: { name: 'emails', sub: 'value' },
      filter: { kind: 'compare', op: 'eq', path: { name: 'type' }, value: 'work' },
    });
  });

  it('refuses malformed paths with 400 invalidPath', () => {
    for (const path of ['emails[type eq "work"', 'name..givenName', 'emails[type eq "work"].value.x', 'a b', '"active"']) {
      expect(scimTypeOf(() => parsePatchPath(path)), path).toBe('400 invalidPath');
    }
  });

  it('resolves names case-insensitively to the schema', () => {
    const resolved = resolvePath({ name: 'NAME', sub: 'GIVENNAME' }, (d) => new ScimError(400, d, 'invalidPath'));
    expect([resolved.attribute.name, resolved.sub?.name]).toEqual(['name', 'givenName']);
    expect(scimTypeOf(() => resolvePath({ name: 'shoeSize' }, (d) => new ScimError(400, d, 'invalidPath')))).toBe('400 invalidPath');
  });
});

describe('value filters on multi-valued attributes', () => {
  const work = { value: 'Ada@Acme.test', type: 'work', primary: true };
  const home = { value: 'ada@home.example', type: 'home' };

  it('compares strings case-insensitively (emails are not caseExact) and booleans exactly', () => {
    expect(matchesValue(parseFilter('type eq "WORK"'), work, emails)).toBe(true);
    expect(matchesValue(parseFilter('value ew "@acme.test"'), work, emails)).toBe(true);
    expect(matchesValue(parseFilter('primary eq true'), home, emails)).toBe(false);
    expect(matchesValue(parseFilter('type eq "work" or type eq "home"'), home, emails)).toBe(true);
    expect(matchesValue(parseFilter('not (type eq "work")'), home, emails)).toBe(true);
    expect(matchesValue(parseFilter('display pr'), work, emails)).toBe(false);
  });

  it('refuses a comparison the type does not allow, and names outside the attribute', () => {
    expect(scimTypeOf(() => matchesValue(parseFilter('primary eq "yes"'), work, emails))).toBe('400 invalidFilter');
    expect(scimTypeOf(() => matchesValue(parseFilter('type gt true'), work, emails))).toBe('400 invalidFilter');
    expect(scimTypeOf(() => matchesValue(parseFilter('userName eq "x"'), work, emails))).toBe('400 invalidFilter');
  });
});
