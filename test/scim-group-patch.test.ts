import { describe, expect, it } from 'vitest';
import { groupChanges, parseGroupResource } from '../domain/scim/group.ts';
import { parsePatchRequest } from '../domain/scim/patch.ts';
import { CORE_GROUP, entraGroups, oktaGroups } from './support/scim-fixtures.ts';

const GROUP = '6be494c1-89a8-4183-9986-f66290770d07';
const A = '0b7f3c4e-1d2a-4b5c-8d9e-0f1a2b3c4d5e';
const B = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const changes = (body: unknown) => groupChanges(parsePatchRequest(body), GROUP);
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return (err as { scimType?: string }).scimType;
  }
  return 'accepted';
};

describe('group PATCH operations as the vendors send them', () => {
  it('reads Okta adds, filter-path removals and its rename echoing the id', () => {
    expect(changes(oktaGroups.add([{ id: A, userName: 'a' }, { id: B, userName: 'b' }]))).toEqual([{ kind: 'addMembers', ids: [A, B] }]);
    expect(changes(oktaGroups.remove([A, B]))).toEqual([{ kind: 'removeMembers', ids: [A] }, { kind: 'removeMembers', ids: [B] }]);
    expect(changes(oktaGroups.rename(GROUP.toUpperCase(), 'New'))).toEqual([{ kind: 'displayName', displayName: 'New' }]);
  });

  it("reads Entra's capitalised ops, value-list removals and both renames", () => {
    expect(changes(entraGroups.add([A, A, B]))).toEqual([{ kind: 'addMembers', ids: [A, B] }]);
    expect(changes(entraGroups.remove([B]))).toEqual([{ kind: 'removeMembers', ids: [B] }]);
    expect(changes(entraGroups.rename('X'))).toEqual([{ kind: 'displayName', displayName: 'X' }]);
    expect(changes(entraGroups.renameWithoutPath('Y'))).toEqual([{ kind: 'displayName', displayName: 'Y' }]);
  });

  it('reads removals by an or of ids, remove-all and a replaced member list', () => {
    const op = (o: object) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [o] });
    expect(changes(op({ op: 'remove', path: `members[value eq "${A}" or value eq "${B}"]` }))).toEqual([{ kind: 'removeMembers', ids: [A, B] }]);
    expect(changes(op({ op: 'remove', path: 'members' }))).toEqual([{ kind: 'removeAllMembers' }]);
    expect(changes(op({ op: 'replace', path: 'members', value: [] }))).toEqual([{ kind: 'replaceMembers', ids: [] }]);
    expect(changes(op({ op: 'replace', value: { members: [{ value: A }], externalId: null } }))).toEqual([
      { kind: 'replaceMembers', ids: [A] },
      { kind: 'externalId', externalId: null },
    ]);
  });

  it('refuses what it cannot apply exactly, naming the RFC 7644 scimType', () => {
    const op = (o: object) => () => changes({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [o] });
    expect(refusal(op({ op: 'add', path: 'members[value eq "x"]', value: [{ value: A }] }))).toBe('invalidPath');
    expect(refusal(op({ op: 'remove', path: 'members[type eq "User"]' }))).toBe('invalidPath');
    expect(refusal(op({ op: 'replace', path: 'members.value', value: A }))).toBe('invalidPath');
    expect(refusal(op({ op: 'remove', path: 'displayName' }))).toBe('mutability');
    expect(refusal(op({ op: 'replace', value: { id: A } }))).toBe('mutability');
    expect(refusal(op({ op: 'replace', path: 'displayName', value: 42 }))).toBe('invalidValue');
    expect(refusal(op({ op: 'add', path: 'members', value: [{ value: A, display: 'a', colour: 'red' }] }))).toBe('invalidSyntax');
    expect(refusal(op({ op: 'add', path: 'members', value: [{ value: A, type: 'Group' }] }))).toBe('invalidValue');
  });
});

describe('group resources', () => {
  it('takes what Okta and Entra create and ignores what the service owns', () => {
    expect(parseGroupResource(entraGroups.create('Sales', 'ext'))).toEqual({ displayName: 'Sales', externalId: 'ext', members: [] });
    expect(parseGroupResource({ ...oktaGroups.replace(GROUP, 'Ops', [{ id: A, userName: 'a' }]), meta: { resourceType: 'Group' } })).toEqual({ displayName: 'Ops', externalId: null, members: [A] });
    expect(refusal(() => parseGroupResource({ schemas: [CORE_GROUP], displayName: 'x', owner: 'y' }))).toBe('invalidSyntax');
  });
});
