import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMember } from './support/fixtures.ts';
import { directorySignals, scimApp, scimOrg } from './support/scim.ts';
import { CORE_USER, ENTERPRISE_USER, entra, okta } from './support/scim-fixtures.ts';

const MEMBER_EXTENSION = 'urn:sso-provisioning:params:scim:schemas:extension:member:2.0:User';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

let h: TestHarness;
let scim: ReturnType<typeof scimApp>;

beforeAll(async () => {
  h = await startHarness();
  scim = scimApp(h);
});
afterAll(async () => {
  await h?.stop();
});

const memberRow = async (id: string) => {
  const [row] = await h.sql<{ id: string; org_id: string; email: string; name: string; status: string; source: string; org_role: string }[]>`
    select id, org_id, email, name, status, source, org_role from members where id = ${id}`;
  return row;
};
const memberIdOf = async (scimId: string) => {
  const [row] = await h.sql<{ member_id: string }[]>`select member_id from directory_links where scim_id = ${scimId}`;
  return row!.member_id;
};
/** The directory events the lifecycle got, once as many as expected have arrived. */
const signals = (slug: string, memberId: string, count: number) =>
  eventually(async () => {
    const events = await directorySignals(h, slug, memberId).catch(() => []);
    return events.length >= count ? events : undefined;
  });

describe('Okta-shaped provisioning', () => {
  it('checks existence, creates, refuses a duplicate, updates with PUT, deactivates and reactivates with PATCH', async () => {
    const org = await scimOrg(h, 'okta');
    const email = `ada@${org.domain}`;
    const none = await scim('GET', `/Users?${okta.existence(email)}`, { token: org.token });
    expect(none).toMatchObject({ status: 200, type: 'application/scim+json; charset=utf-8' });
    expect(none.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });

    const created = await scim('POST', '/Users', { token: org.token, body: okta.create(email, '00u1', 'Ada', 'Lovelace') });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`http://localhost:3000/scim/v2/Users/${created.body.id}`);
    expect(created.body).toMatchObject({ userName: email, active: true, externalId: '00u1', name: { givenName: 'Ada', familyName: 'Lovelace' }, meta: { resourceType: 'User' } });
    expect(created.body).not.toHaveProperty('password');
    const memberId = await memberIdOf(created.body.id);
    expect(await memberRow(memberId)).toMatchObject({ email, name: 'Ada Lovelace', source: 'directory', org_role: 'member', status: 'active' });

    const again = await scim('POST', '/Users', { token: org.token, body: okta.create(email, '00u1', 'Ada', 'Lovelace') });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness' });

    const found = await scim('GET', `/Users?${okta.existence(email.toUpperCase())}`, { token: org.token });
    expect(found.body).toMatchObject({ totalResults: 1, itemsPerPage: 1, startIndex: 1, Resources: [{ id: created.body.id }] });

    const put = await scim('PUT', `/Users/${created.body.id}`, { token: org.token, body: okta.replace(created.body.id, email, '00u1', 'Augusta', 'King') });
    expect(put.status).toBe(200);
    expect(put.body.name).toEqual({ givenName: 'Augusta', familyName: 'King' });
    expect((await memberRow(memberId))?.name).toBe('Augusta King');

    const off = await scim('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(false) });
    expect(off).toMatchObject({ status: 200, body: { active: false } });
    expect((await scim('GET', `/Users/${created.body.id}`, { token: org.token })).body.active).toBe(false);
    const on = await scim('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(true) });
    expect(on.body.active).toBe(true);

    const events = await signals(org.slug, memberId, 3);
    expect(events.map((e) => e.state)).toEqual(['active', 'inactive', 'active']);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.seq)).size).toBe(3);
  });

  it('changes nothing and sends nothing when the same PUT is repeated', async () => {
    const org = await scimOrg(h, 'okta');
    const email = `bob@${org.domain}`;
    const { body } = await scim('POST', '/Users', { token: org.token, body: okta.create(email, '00u2') });
    const put = () => scim('PUT', `/Users/${body.id}`, { token: org.token, body: okta.replace(body.id, email, '00u2', 'Bob', 'Builder') });
    await put();
    const [before] = await h.sql`select updated_at, directory_seq from directory_links where scim_id = ${body.id}`;
    expect((await put()).status).toBe(200);
    const [after] = await h.sql`select updated_at, directory_seq from directory_links where scim_id = ${body.id}`;
    expect(after).toEqual(before);
    const updates = await h.sql`select 1 from audit_events where type = 'directory.user_updated' and data->>'scimId' = ${body.id}`;
    expect(updates.length).toBe(1);
  });
});

describe('Entra-shaped provisioning', () => {
  it('answers the connection test for a random user with an empty list', async () => {
    const org = await scimOrg(h, 'entra');
    const res = await scim('GET', `/Users?${entra.connectionTest(randomUUID())}`, { token: org.token });
    expect(res).toMatchObject({ status: 200, body: { totalResults: 0, Resources: [] } });
    // Microsoft's compliance flag, appended to the tenant URL, rides along on requests.
    const flagged = await scim('GET', `/Users?aadOptscim062020&${entra.connectionTest(randomUUID())}`, { token: org.token });
    expect(flagged).toMatchObject({ status: 200, body: { totalResults: 0 } });
  });

  it('creates, finds by externalId and work email, updates email and names, disables with "False", deletes and recreates', async () => {
    const org = await scimOrg(h, 'entra');
    const userName = `Test_User_${randomUUID()}`;
    const email = `grace@${org.domain}`;
    const created = await scim('POST', '/Users', { token: org.token, body: entra.create(userName, email, 'ext-1') });
    expect(created.status).toBe(201);
    expect(created.body.schemas).toEqual([CORE_USER, 'urn:sso-provisioning:params:scim:schemas:extension:member:2.0:User']);
    const id = created.body.id as string;
    const memberId = await memberIdOf(id);

    const byExternalId = await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "ext-1"')}`, { token: org.token });
    expect(byExternalId.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "EXT-1"')}`, { token: org.token })).body.totalResults).toBe(0);
    const byEmail = await scim('GET', `/Users?filter=${encodeURIComponent(`emails[type eq "work"].value eq "${email}"`)}`, { token: org.token });
    expect(byEmail.body.totalResults).toBe(1);
    const both = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}" and externalId eq "ext-1"`)}`, { token: org.token });
    expect(both.body.totalResults).toBe(1);

    const newEmail = `grace.hopper@${org.domain}`;
    const updated = await scim('PATCH', `/Users/${id}`, { token: org.token, body: entra.updateEmailAndFamilyName(newEmail, 'Hopper') });
    expect(updated.status).toBe(200);
    expect(await memberRow(memberId)).toMatchObject({ email: newEmail, name: 'givenName familyName' });
    expect(updated.body.name.familyName).toBe('Hopper');

    const many = await scim('PATCH', `/Users/${id}`, { token: org.token, body: entra.replaceMany(newEmail) });
    expect(many.body).toMatchObject({ displayName: 'Pvlo', externalId: 'Eqpj', [ENTERPRISE_USER]: { employeeNumber: 'Wwmg' } });
    expect(many.body.schemas).toContain(ENTERPRISE_USER);

    const off = await scim('PATCH', `/Users/${id}`, { token: org.token, body: entra.disable() });
    expect(off.body.active).toBe(false);

    expect((await scim('DELETE', `/Users/${id}`, { token: org.token })).status).toBe(204);
    expect((await scim('GET', `/Users/${id}`, { token: org.token })).status).toBe(404);
    expect((await scim('DELETE', `/Users/${id}`, { token: org.token })).status).toBe(404);
    expect((await scim('GET', `/Users?${entra.connectionTest(userName)}`, { token: org.token })).body.totalResults).toBe(0);
    // Disabled, never deleted: the member and their history stay (the lifecycle decides the status).
    expect(await memberRow(memberId)).toMatchObject({ email: newEmail, source: 'directory' });
    const history = await h.sql`select type from audit_events where member_id = ${memberId} order by id`;
    expect(history.map((e) => e.type)).toEqual(expect.arrayContaining(['member.created', 'directory.user_created', 'directory.user_deleted']));

    const recreated = await scim('POST', '/Users', { token: org.token, body: entra.create(userName, newEmail, 'ext-1') });
    expect(recreated.status).toBe(201);
    expect(recreated.body.id).not.toBe(id);
    expect(await memberIdOf(recreated.body.id)).toBe(memberId);
    expect((await scim('GET', `/Users/${id}`, { token: org.token })).status).toBe(404);

    // The email change is an event too (the lifecycle's MemberEmailHash follows it), with the hash of the address it carries.
    const events = await signals(org.slug, memberId, 5);
    expect(events.map((e) => [e.state, e.emailHash])).toEqual([
      ['active', testEmailHash(email)],
      ['active', testEmailHash(newEmail)],
      ['inactive', testEmailHash(newEmail)],
      ['deleted', testEmailHash(newEmail)],
      ['active', testEmailHash(newEmail)],
    ]);
  });
});

describe('directory creates through the sign-in rules', () => {
  it('links an existing member of the organisation with the same email, never one of another organisation', async () => {
    const org = await scimOrg(h);
    const other = await scimOrg(h);
    const email = `carol@${org.domain}`;
    const jit = await insertMember(h.sql, org.id, email, { source: 'jit' });
    const guest = await insertMember(h.sql, other.id, email, { source: 'invitation' });
    const created = await scim('POST', '/Users', { token: org.token, body: okta.create(email, '00u3', 'Carol', 'Shaw') });
    expect(await memberIdOf(created.body.id)).toBe(jit.id);
    expect(await memberRow(jit.id)).toMatchObject({ source: 'jit', name: 'Carol Shaw' });
    expect(await memberRow(guest.id)).toMatchObject({ name: 'carol', org_id: other.id });
    const elsewhere = await scim('POST', '/Users', { token: other.token, body: okta.create(email, '00u3', 'Carol', 'Shaw') });
    expect(elsewhere).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
  });

  it('makes every directory user a plain Member, whatever roles it sends', async () => {
    const org = await scimOrg(h);
    const email = `dan@${org.domain}`;
    const created = await scim('POST', '/Users', { token: org.token, body: { ...okta.create(email, '00u4'), roles: [{ value: 'org_admin', primary: true }] } });
    expect(created.status).toBe(201);
    expect((await memberRow(await memberIdOf(created.body.id)))?.org_role).toBe('member');
  });

  it('refuses an email change off the verified domains or onto another member, and keeps the user as it was', async () => {
    const org = await scimOrg(h);
    const taken = await insertMember(h.sql, org.id, `taken@${org.domain}`);
    const { body } = await scim('POST', '/Users', { token: org.token, body: okta.create(`erin@${org.domain}`, '00u5') });
    const offDomain = await scim('PATCH', `/Users/${body.id}`, { token: org.token, body: entra.updateEmailAndFamilyName('erin@elsewhere.example', 'X') });
    expect(offDomain).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
    const clash = await scim('PATCH', `/Users/${body.id}`, { token: org.token, body: entra.updateEmailAndFamilyName(taken.email, 'X') });
    expect(clash).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
    const now = await scim('GET', `/Users/${body.id}`, { token: org.token });
    expect(now.body.emails).toEqual([{ primary: true, value: `erin@${org.domain}`, type: 'work' }]);
  });
});

describe("the directory's view and the member's", () => {
  it('answers active as the directory set it, and the member status as the lifecycle projected it', async () => {
    const org = await scimOrg(h);
    // No worker polls this queue: the lifecycle never runs, so the status below stays as written.
    const scim = scimApp(h, `idle-${randomUUID()}`);
    const { body } = await scim('POST', '/Users', { token: org.token, body: okta.create(`fay@${org.domain}`, '00u9') });
    const memberId = await memberIdOf(body.id);
    // As an org admin's manual disable would leave it, written by the lifecycle.
    await h.sql`update members set status = 'disabled' where id = ${memberId}`;
    const seen = await scim('GET', `/Users/${body.id}`, { token: org.token });
    expect(seen.body).toMatchObject({ active: true, [MEMBER_EXTENSION]: { status: 'disabled' } });
    const disabled = await scim('GET', `/Users?filter=${encodeURIComponent(`${MEMBER_EXTENSION}:status eq "disabled"`)}`, { token: org.token });
    expect(disabled.body.Resources.map((r: { id: string }) => r.id)).toEqual([body.id]);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('active eq false')}`, { token: org.token })).body.totalResults).toBe(0);
  });
});

describe('listing', () => {
  it('pages with startIndex and count, with integer totals, in a stable order', async () => {
    const org = await scimOrg(h);
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push((await scim('POST', '/Users', { token: org.token, body: okta.create(`p${n}@${org.domain}`, `ext-${n}`) })).body.id);
    const page = (q: string) => scim('GET', `/Users?${q}`, { token: org.token });
    const first = await page('startIndex=1&count=2');
    expect(first.body).toMatchObject({ totalResults: 5, itemsPerPage: 2, startIndex: 1 });
    const second = await page('startIndex=3&count=2');
    const third = await page('startIndex=5&count=2');
    expect([...first.body.Resources, ...second.body.Resources, ...third.body.Resources].map((r: { id: string }) => r.id)).toEqual(ids);
    expect((await page('startIndex=6&count=2')).body).toMatchObject({ totalResults: 5, itemsPerPage: 0, startIndex: 6, Resources: [] });
    expect((await page('count=0')).body).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
    expect((await page('startIndex=0&count=-3')).body).toMatchObject({ totalResults: 5, itemsPerPage: 0, startIndex: 1 });
    const filtered = await page(`filter=${encodeURIComponent('userName sw "p" and not (externalId eq "ext-2" or externalId eq "ext-4")')}`);
    expect(filtered.body.totalResults).toBe(3);
    const projected = await page('count=1&attributes=userName');
    expect(Object.keys(projected.body.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
  });
});

describe('filters in SQL', () => {
  it('compares strings, booleans and presence as the schema types them', async () => {
    const org = await scimOrg(h);
    for (const [n, given] of [[1, 'Ann'], [2, 'Ben'], [3, 'Cid']] as const) {
      const body = { ...okta.create(`f${n}@${org.domain}`, `EXT-${n}`, given, 'Filter'), ...(n === 3 ? { displayName: undefined, title: 'Boss' } : {}) };
      await scim('POST', '/Users', { token: org.token, body: JSON.parse(JSON.stringify(body)) });
    }
    const count = async (filter: string) => (await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`, { token: org.token })).body.totalResults;
    expect(await count('emails.value co "F2@"')).toBe(1);
    expect(await count(`emails ew "@${org.domain.toUpperCase()}"`)).toBe(3);
    expect(await count('name.givenName sw "b"')).toBe(1);
    expect(await count('userName gt "f1@z"')).toBe(2);
    expect(await count('userName le "f2@"')).toBe(1);
    expect(await count('title pr')).toBe(1);
    expect(await count('not (title pr)')).toBe(2);
    expect(await count('externalId eq "ext-1"')).toBe(0);
    expect(await count('externalId ne "EXT-1"')).toBe(2);
    expect(await count('emails[primary eq true and type eq "WORK"]')).toBe(3);
    expect(await count('active eq true and name.familyName eq "filter"')).toBe(3);
    expect(await count(`id eq "${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}" or userName eq "nobody"`)).toBe(0);
  });
});

describe('discovery', () => {
  it('publishes ServiceProviderConfig, ResourceTypes and Schemas as application/scim+json', async () => {
    const org = await scimOrg(h);
    const config = await scim('GET', '/ServiceProviderConfig', { token: org.token });
    expect(config).toMatchObject({ status: 200, type: 'application/scim+json; charset=utf-8', body: { patch: { supported: true }, filter: { supported: true, maxResults: 200 }, bulk: { supported: false } } });
    const types = await scim('GET', '/ResourceTypes', { token: org.token });
    expect(types.body.Resources).toEqual([
      expect.objectContaining({ id: 'User', endpoint: '/Users', schema: CORE_USER }),
      expect.objectContaining({ id: 'Group', endpoint: '/Groups', schema: 'urn:ietf:params:scim:schemas:core:2.0:Group' }),
    ]);
    expect((await scim('GET', '/ResourceTypes/User', { token: org.token })).body.id).toBe('User');
    const schemas = await scim('GET', '/Schemas', { token: org.token });
    expect(schemas.body.totalResults).toBe(4);
    const user = await scim('GET', `/Schemas/${CORE_USER}`, { token: org.token });
    expect(user.body.attributes.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['userName', 'name', 'emails', 'active', 'externalId']));
    expect((await scim('GET', '/Schemas/urn:nope', { token: org.token })).status).toBe(404);
    expect((await scim('GET', '/Bulk', { token: org.token })).body).toMatchObject({ status: '404', schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] });
  });
});
