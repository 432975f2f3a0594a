/**
 * The SCIM User as this service stores it (RFC 7643 §4.1 and §4.3), as data: the Schemas endpoint
 * publishes it, and validation, PATCH paths and filters resolve attribute names against it, so the
 * three never disagree about what an attribute is.
 */
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** Read-only: the member as this service's lifecycle projected it (not the directory's view). */
export const MEMBER_EXTENSION = 'urn:sso-provisioning:params:scim:schemas:extension:member:2.0:User';

export interface AttributeDef {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'writeOnly';
  returned: 'always' | 'never' | 'default';
  uniqueness: 'none' | 'server';
  subAttributes?: AttributeDef[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, 'name' | 'description'>>;

const attr = (name: string, description: string, options: Options = {}): AttributeDef => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...options,
});
const flag = (name: string, description: string, options: Options = {}) => attr(name, description, { type: 'boolean', ...options });
const complex = (name: string, description: string, subAttributes: AttributeDef[], options: Options = {}) =>
  attr(name, description, { type: 'complex', subAttributes, ...options });

const TYPES = ['work', 'home', 'other'];
/** The sub-attributes RFC 7643 §2.4 gives every multi-valued attribute. */
const multiValue = (name: string, description: string, canonicalValues = TYPES, value = attr('value', `The ${name} value.`)) =>
  complex(name, description, [value, attr('display', 'A label for display.'), attr('type', 'Its kind.', { canonicalValues }), flag('primary', 'The preferred value; at most one.')], {
    multiValued: true,
  });

const coreAttributes: AttributeDef[] = [
  attr('userName', 'Unique in the organisation; the directory decides it (often the email).', { required: true, uniqueness: 'server' }),
  attr('externalId', "The directory's own identifier for the user.", { caseExact: true }),
  complex('name', "The user's name; its formatted value, or given and family name, becomes the member's name.", [
    attr('formatted', 'The full name.'),
    attr('familyName', 'Family name.'),
    attr('givenName', 'Given name.'),
    attr('middleName', 'Middle name.'),
    attr('honorificPrefix', 'Such as "Ms.".'),
    attr('honorificSuffix', 'Such as "III".'),
  ]),
  attr('displayName', 'The name to display, used when name has none.'),
  attr('nickName', 'Casual name.'),
  attr('profileUrl', 'Profile page.', { type: 'reference', referenceTypes: ['external'] }),
  attr('title', 'Job title.'),
  attr('userType', 'Such as "Employee".'),
  attr('preferredLanguage', 'Such as "en-US".'),
  attr('locale', 'Such as "en-US".'),
  attr('timezone', 'Such as "Europe/Berlin".'),
  flag('active', "The directory's view: false (or DELETE) disables the member; true enables them again."),
  attr('password', 'Never stored or returned: members sign in through SSO.', { mutability: 'writeOnly', returned: 'never' }),
  multiValue('emails', "Email addresses; the primary one (else the work one, else the first) is the member's email and must be on a verified domain."),
  multiValue('phoneNumbers', 'Phone numbers.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multiValue('ims', 'Instant messaging addresses.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
  multiValue('photos', 'Photo URLs.', ['photo', 'thumbnail'], attr('value', 'The photo URL.', { type: 'reference', referenceTypes: ['external'] })),
  complex(
    'addresses',
    'Postal addresses.',
    [
      attr('formatted', 'The full address.'),
      attr('streetAddress', 'Street.'),
      attr('locality', 'City.'),
      attr('region', 'State or region.'),
      attr('postalCode', 'Postal code.'),
      attr('country', 'Country.'),
      attr('type', 'Its kind.', { canonicalValues: TYPES }),
      flag('primary', 'The preferred address; at most one.'),
    ],
    { multiValued: true },
  ),
  { ...multiValue('groups', 'Read-only: memberships are written and read through /Groups; ignored on input, not returned here.', []), mutability: 'readOnly' },
  multiValue('entitlements', 'Entitlements.', []),
  multiValue('roles', 'Roles; stored, never used for access: a directory user is always a Member.', []),
  multiValue('x509Certificates', 'Certificates.', []),
];

export const schemas: Record<string, SchemaDef> = {
  [CORE_USER]: { id: CORE_USER, name: 'User', description: 'User Account', attributes: coreAttributes },
  [ENTERPRISE_USER]: {
    id: ENTERPRISE_USER,
    name: 'EnterpriseUser',
    description: 'Enterprise User',
    attributes: [
      attr('employeeNumber', 'Employee number.'),
      attr('costCenter', 'Cost center.'),
      attr('organization', 'Organization.'),
      attr('division', 'Division.'),
      attr('department', 'Department.'),
      complex('manager', 'The manager.', [
        attr('value', "The manager's id in the directory."),
        attr('$ref', "The manager's URI.", { type: 'reference', referenceTypes: ['User'] }),
        attr('displayName', "The manager's name.", { mutability: 'readOnly' }),
      ]),
    ],
  },
  [MEMBER_EXTENSION]: {
    id: MEMBER_EXTENSION,
    name: 'Member',
    description: "The member as this service's lifecycle decided it: a manual decision of an org admin can differ from the directory's active.",
    attributes: [attr('status', 'Effective status of the member.', { mutability: 'readOnly', canonicalValues: ['active', 'disabled'] })],
  },
};

export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** RFC 7643 §4.2, as this service stores it; apart from `schemas` above, so a User never validates against it. */
export const groupSchema: SchemaDef = {
  id: CORE_GROUP,
  name: 'Group',
  description: 'Group',
  attributes: [
    attr('displayName', 'Unique in the organisation (case-insensitive); the directory decides it.', { required: true, uniqueness: 'server' }),
    attr('externalId', "The directory's own identifier for the group; unique in the organisation.", { caseExact: true }),
    complex(
      'members',
      'The users in the group, by the id this service gave each User.',
      [
        attr('value', 'The id of a User of this organisation.', { caseExact: true }),
        attr('$ref', 'The URI of the User.', { type: 'reference', referenceTypes: ['User'], mutability: 'readOnly' }),
        attr('display', "The User's userName.", { mutability: 'readOnly' }),
        attr('type', 'Always "User": groups hold no groups.', { canonicalValues: ['User'] }),
      ],
      { multiValued: true },
    ),
  ],
};

/** Every schema /Schemas publishes. */
export const publishedSchemas: SchemaDef[] = [...Object.values(schemas), groupSchema];

export const findAttribute = (list: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined =>
  list?.find((a) => a.name.toLowerCase() === name.toLowerCase());

/** A schema URN named case-insensitively (Entra and Okta write them as published). */
export const findSchema = (urn: string): SchemaDef | undefined => Object.values(schemas).find((s) => s.id.toLowerCase() === urn.toLowerCase());
