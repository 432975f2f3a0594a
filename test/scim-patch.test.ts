import { describe, expect, it } from 'vitest';
import { ScimError } from '../domain/scim/errors.ts';
import { memberEmailOf, memberNameOf } from '../domain/scim/mapping.ts';
import { applyPatch, parsePatchRequest } from '../domain/scim/patch.ts';
import { parseUserResource, type UserResource } from '../domain/scim/resource.ts';
import { CORE_USER, ENTERPRISE_USER, entra, okta, PATCH_OP } from './support/scim-fixtures.ts';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    if (err instanceof ScimError) return `${err.status} ${err.scimType}`;
    throw err;
  }
  return 'applied';
};
const patch = (user: UserResource, body: unknown) => applyPatch(user, parsePatchRequest(body));
const ops = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

const oktaUser = () => parseUserResource(okta.create('ada@acme.test', '00ujl29u0le5T6Aj10h7', 'Ada', 'Lovelace'));
const entraUser = () => parseUserResource(entra.create('ada@acme.test', 'ada@acme.test', '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef'));

describe('SCIM User resources', () => {
  it("keeps Okta's create minus the password and the read-only groups, active by default", () => {
    const user = oktaUser();
    expect(user).not.toHaveProperty('password');
    expect(user).not.toHaveProperty('groups');
    expect(user).toMatchObject({ userName: 'ada@acme.test', active: true, locale: 'en-US', name: { givenName: 'Ada', familyName: 'Lovelace' } });
    expect(parseUserResource({ schemas: [CORE_USER], userName: 'x@acme.test' }).active).toBe(true);
  });

  it("keeps Entra's create with its enterprise schema, ignoring meta", () => {
    const user = entraUser();
    expect(user).not.toHaveProperty('meta');
    expect(memberNameOf(user)).toBe('givenName familyName');
    expect(memberEmailOf(user)).toBe('ada@acme.test');
  });

  it('maps the member email from the primary, else the work email, else userName', () => {
    const base = { schemas: [CORE_USER], userName: 'login@acme.test' };
    expect(memberEmailOf(parseUserResource(base))).toBe('login@acme.test');
    expect(memberEmailOf(parseUserResource({ ...base, emails: [{ value: 'h@home.example', type: 'home' }, { value: 'W@Acme.test', type: 'work' }] }))).toBe('w@acme.test');
    expect(memberEmailOf(parseUserResource({ ...base, emails: [{ value: 'w@acme.test', type: 'work' }, { value: 'p@acme.test', primary: 'True' }] }))).toBe('p@acme.test');
    expect(refusal(() => memberEmailOf(parseUserResource({ schemas: [CORE_USER], userName: 'no-email' })))).toBe('400 invalidValue');
  });

  it.each([
    ['not an object', [], '400 invalidSyntax'],
    ['no schemas', { userName: 'a@acme.test' }, '400 invalidSyntax'],
    ['an unknown schema', { schemas: [CORE_USER, 'urn:x'], userName: 'a@acme.test' }, '400 invalidValue'],
    ['an unknown attribute', { schemas: [CORE_USER], userName: 'a@acme.test', shoeSize: 42 }, '400 invalidSyntax'],
    ['an unknown sub-attribute', { schemas: [CORE_USER], userName: 'a@acme.test', name: { nick: 'x' } }, '400 invalidSyntax'],
    ['a number for a string', { schemas: [CORE_USER], userName: 42 }, '400 invalidValue'],
    ['a word for a boolean', { schemas: [CORE_USER], userName: 'a@acme.test', active: 'yes' }, '400 invalidValue'],
    ['a list for a single value', { schemas: [CORE_USER], userName: 'a@acme.test', displayName: ['a'] }, '400 invalidValue'],
    ['two primary emails', { schemas: [CORE_USER], userName: 'a@acme.test', emails: [{ value: 'a@acme.test', primary: true }, { value: 'b@acme.test', primary: true }] }, '400 invalidValue'],
    ['no userName', { schemas: [CORE_USER], displayName: 'x' }, '400 invalidValue'],
    ['an overlong string', { schemas: [CORE_USER], userName: 'a@acme.test', title: 't'.repeat(1025) }, '400 invalidValue'],
  ])('refuses a resource with %s', (_what, body, expected) => {
    expect(refusal(() => parseUserResource(body))).toBe(expected);
  });
});

describe('SCIM PATCH, Okta-shaped', () => {
  it('deactivates and reactivates with a replace without path', () => {
    const off = patch(oktaUser(), okta.setActive(false));
    expect(off.active).toBe(false);
    expect(patch(off, okta.setActive(true)).active).toBe(true);
  });

  it('changes nothing else, and the same patch twice gives the same user', () => {
    const once = patch(oktaUser(), okta.setActive(false));
    expect(patch(once, okta.setActive(false))).toEqual(once);
    expect({ ...once, active: true }).toEqual(oktaUser());
  });
});

describe('SCIM PATCH, Entra-shaped', () => {
  it('takes capitalised ops and booleans as strings', () => {
    const off = patch(entraUser(), entra.disable());
    expect(off.active).toBe(false);
    expect(patch(off, entra.enable()).active).toBe(true);
    expect(patch(off, ops({ op: 'REPLACE', path: 'active', value: 'true' })).active).toBe(true);
  });

  it('replaces the work email through emails[type eq "work"].value, and name parts by path', () => {
    const user = patch(entraUser(), entra.updateEmailAndFamilyName('ada.l@acme.test', 'Lovelace'));
    expect(user.emails).toEqual([{ primary: true, type: 'work', value: 'ada.l@acme.test' }]);
    expect(user.name).toEqual({ formatted: 'givenName familyName', familyName: 'Lovelace', givenName: 'givenName' });
  });

  it('applies a no-path replace whose keys are attribute paths and enterprise URNs', () => {
    const user = patch(entraUser(), entra.replaceMany('bc@acme.test'));
    expect(user).toMatchObject({
      displayName: 'Pvlo',
      externalId: 'Eqpj',
      name: { formatted: 'givenName familyName', givenName: 'Ytrr', familyName: 'Lfyrmz' },
      emails: [{ primary: true, type: 'work', value: 'bc@acme.test' }],
      [ENTERPRISE_USER]: { employeeNumber: 'Wwmg' },
    });
  });

  it('sets the manager from its id alone, and removes it by path', () => {
    const user = patch(entraUser(), entra.addManager('2819c223-7f76-453a-919d-413861904646'));
    expect(user[ENTERPRISE_USER]).toEqual({ manager: { value: '2819c223-7f76-453a-919d-413861904646' } });
    expect(patch(user, ops({ op: 'Remove', path: `${ENTERPRISE_USER}:manager` }))).not.toHaveProperty(ENTERPRISE_USER);
  });

  it('adds a work email through its filtered path when the user has none yet', () => {
    const bare = parseUserResource({ schemas: [CORE_USER], userName: 'ada@acme.test' });
    expect(patch(bare, ops({ op: 'Add', path: 'emails[type eq "work"].value', value: 'ada@acme.test' })).emails).toEqual([{ type: 'work', value: 'ada@acme.test' }]);
    expect(patch(bare, ops({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada@acme.test' })).emails).toEqual([{ type: 'work', value: 'ada@acme.test' }]);
  });

  it('accepts an extension object under its URN without a path', () => {
    const user = patch(entraUser(), ops({ op: 'add', value: { [ENTERPRISE_USER]: { department: 'R&D' } } }));
    expect(user[ENTERPRISE_USER]).toEqual({ department: 'R&D' });
  });
});

describe('SCIM PATCH semantics', () => {
  it('merges a complex value into the attribute, leaving other sub-attributes', () => {
    const user = patch(oktaUser(), ops({ op: 'replace', path: 'name', value: { givenName: 'Augusta' } }));
    expect(user.name).toEqual({ givenName: 'Augusta', familyName: 'Lovelace' });
  });

  it('adds values to a multi-valued attribute, a new primary taking the mark', () => {
    const user = patch(oktaUser(), ops({ op: 'add', path: 'emails', value: [{ value: 'al@acme.test', type: 'other', primary: true }] }));
    expect(user.emails).toEqual([{ value: 'ada@acme.test', type: 'work' }, { value: 'al@acme.test', type: 'other', primary: true }]);
    expect(patch(user, ops({ op: 'add', path: 'emails', value: [{ value: 'al@acme.test', type: 'other', primary: true }] })).emails).toEqual(user.emails);
  });

  it('removes filtered values, and refuses a filter that matches none with noTarget', () => {
    const user = patch(oktaUser(), ops({ op: 'add', path: 'phoneNumbers', value: [{ value: '+1 555', type: 'work' }, { value: '+1 556', type: 'mobile' }] }));
    expect(patch(user, ops({ op: 'remove', path: 'phoneNumbers[type eq "mobile"]' })).phoneNumbers).toEqual([{ value: '+1 555', type: 'work' }]);
    expect(refusal(() => patch(user, ops({ op: 'remove', path: 'phoneNumbers[type eq "fax"]' })))).toBe('400 noTarget');
    expect(refusal(() => patch(user, ops({ op: 'replace', path: 'phoneNumbers[type eq "fax" or type eq "pager"].value', value: '1' })))).toBe('400 noTarget');
  });

  it('never stores a password sent by PATCH', () => {
    expect(patch(oktaUser(), ops({ op: 'replace', path: 'password', value: 'secret' }))).not.toHaveProperty('password');
  });

  it.each([
    ['a remove without path', ops({ op: 'remove' }), '400 noTarget'],
    ['an unknown op', ops({ op: 'move', path: 'active', value: false }), '400 invalidSyntax'],
    ['an unknown member of an operation', ops({ op: 'replace', path: 'active', value: false, from: 'x' }), '400 invalidSyntax'],
    ['no Operations', { schemas: [PATCH_OP] }, '400 invalidSyntax'],
    ['an empty Operations list', ops(), '400 invalidSyntax'],
    ['no PatchOp schema', { schemas: [CORE_USER], Operations: [{ op: 'replace', path: 'active', value: false }] }, '400 invalidSyntax'],
    ['an unknown attribute', ops({ op: 'replace', path: 'shoeSize', value: '42' }), '400 invalidPath'],
    ['an unknown attribute in a no-path value', ops({ op: 'replace', value: { active: false, shoeSize: '42' } }), '400 invalidPath'],
    ['a no-path value that is no object', ops({ op: 'replace', value: false }), '400 invalidValue'],
    ['a boolean that is not one', ops({ op: 'replace', path: 'active', value: 'nope' }), '400 invalidValue'],
    ['a number for a string', ops({ op: 'replace', path: 'displayName', value: 7 }), '400 invalidValue'],
    ['a replace without value', ops({ op: 'replace', path: 'displayName' }), '400 invalidValue'],
    ['removing userName', ops({ op: 'remove', path: 'userName' }), '400 invalidValue'],
    ['changing id', ops({ op: 'replace', path: 'id', value: 'x' }), '400 mutability'],
    ['changing groups', ops({ op: 'add', path: 'groups', value: [{ value: 'g' }] }), '400 mutability'],
    ['a filter on a single-valued attribute', ops({ op: 'replace', path: 'name[givenName eq "Ada"].familyName', value: 'x' }), '400 invalidPath'],
    ['a bad filter in a path', ops({ op: 'replace', path: 'emails[type eq work].value', value: 'x' }), '400 invalidPath'],
  ])('refuses %s, leaving the user as it was', (_what, body, expected) => {
    const user = oktaUser();
    const before = structuredClone(user);
    expect(refusal(() => patch(user, body))).toBe(expected);
    expect(user).toEqual(before);
  });

  it('applies all operations or none', () => {
    const user = oktaUser();
    expect(refusal(() => patch(user, ops({ op: 'replace', path: 'active', value: false }, { op: 'replace', path: 'shoeSize', value: '1' })))).toBe('400 invalidPath');
    expect(user.active).toBe(true);
  });
});
