/**
 * Request bodies shaped as Okta and Microsoft Entra ID send them, after their published SCIM
 * guides (Okta: "SCIM 2.0 protocol reference" of developer.okta.com; Microsoft: "Tutorial: Develop
 * and plan provisioning for a SCIM endpoint" and "Known issues and resolutions with SCIM 2.0
 * protocol compliance" on learn.microsoft.com), with names and addresses of the test's own.
 */
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const okta = {
  /** Okta's create: password and groups come along by default. */
  create: (email: string, externalId: string, given = 'Test', family = 'User') => ({
    schemas: [CORE_USER],
    userName: email,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: email, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId,
    groups: [],
    password: '1mz050nq',
    active: true,
  }),
  /** Okta's profile update is a PUT of the whole user, echoing id (and sometimes meta). */
  replace: (id: string, email: string, externalId: string, given: string, family: string, active = true) => ({
    schemas: [CORE_USER],
    id,
    userName: email,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: email, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId,
    groups: [],
    active,
    meta: { resourceType: 'User' },
  }),
  /** Deactivate and reactivate: a replace without a path. */
  setActive: (active: boolean) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active } }] }),
  existence: (userName: string) => `filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
};

export const entra = {
  create: (userName: string, email: string, externalId: string) => ({
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: email }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  }),
  /** Without the aadOptscim062020 flag: capitalised op, the boolean as a string. */
  disable: () => ({ schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }),
  enable: () => ({ schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] }),
  /** Multi-valued and single-valued updates in one request. */
  updateEmailAndFamilyName: (email: string, familyName: string) => ({
    schemas: [PATCH_OP],
    Operations: [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: email },
      { op: 'Replace', path: 'name.familyName', value: familyName },
    ],
  }),
  /** With the flag: one no-path replace whose keys are attribute paths. */
  replaceMany: (email: string) => ({
    schemas: [PATCH_OP],
    Operations: [
      {
        op: 'replace',
        value: {
          displayName: 'Pvlo',
          'emails[type eq "work"].value': email,
          'name.givenName': 'Ytrr',
          'name.familyName': 'Lfyrmz',
          externalId: 'Eqpj',
          [`${ENTERPRISE_USER}:employeeNumber`]: 'Wwmg',
        },
      },
    ],
  }),
  addManager: (id: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'Add', path: `${ENTERPRISE_USER}:manager`, value: id }] }),
  /** The connection test: a user that does not exist. */
  connectionTest: (random: string) => `filter=${encodeURIComponent(`userName eq "${random}"`)}`,
};

export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** Okta Group Push: a create with no members, members by PATCH, rename as a no-path replace echoing the id. */
export const oktaGroups = {
  existence: (displayName: string) => `filter=${encodeURIComponent(`displayName eq "${displayName}"`)}&startIndex=1&count=100`,
  create: (displayName: string) => ({ schemas: [CORE_GROUP], displayName, members: [] }),
  add: (members: { id: string; userName: string }[]) => ({
    schemas: [PATCH_OP],
    Operations: [{ op: 'add', path: 'members', value: members.map((m) => ({ value: m.id, display: m.userName })) }],
  }),
  remove: (ids: string[]) => ({ schemas: [PATCH_OP], Operations: ids.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })) }),
  rename: (id: string, displayName: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id, displayName } }] }),
  /** The full group, as Okta's PUT sends it. */
  replace: (id: string, displayName: string, members: { id: string; userName: string }[]) => ({
    schemas: [CORE_GROUP],
    id,
    displayName,
    members: members.map((m) => ({ value: m.id, display: m.userName })),
  }),
};

/** Microsoft Entra ID: capitalised ops, members by `value` alone, lookups without members. */
export const entraGroups = {
  existence: (displayName: string) => `excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`,
  create: (displayName: string, externalId: string) => ({ schemas: [CORE_GROUP], externalId, displayName, meta: { resourceType: 'Group' }, members: [] }),
  add: (ids: string[]) => ({ schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }] }),
  remove: (ids: string[]) => ({ schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }] }),
  rename: (displayName: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: displayName }] }),
  /** With the aadOptscim062020 flag: a no-path replace. */
  renameWithoutPath: (displayName: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { displayName } }] }),
};
