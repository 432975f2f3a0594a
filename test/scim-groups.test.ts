import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryUsersInDatabase, type BulkUser, groupTables, scimOrg, memberValues, scimClient } from './support/scim.ts';
import { CORE_GROUP, entraGroups, oktaGroups, PATCH_OP } from './support/scim-fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, () => []);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const client = (token: string) => scimClient(world.appUrl, token);

describe('SCIM Groups: lists', () => {
  it('filters on displayName (any case), externalId (exact) and id, and pages with startIndex and count', async () => {
    const org = await scimOrg(h, 'groups-list');
    const scim = client(org.token);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await scim('POST', '/Groups', entraGroups.create(`Team ${i}`, `ext-${i}`))).body.id);
    const list = (query: string) => scim('GET', `/Groups?${query}`).then((a) => a.body);

    expect(await list(`filter=${encodeURIComponent('displayName eq "TEAM 3"')}`)).toMatchObject({ totalResults: 1, Resources: [{ id: ids[2], displayName: 'Team 3' }] });
    expect(await list(`filter=${encodeURIComponent('externalId eq "ext-4"')}`)).toMatchObject({ totalResults: 1, Resources: [{ id: ids[3] }] });
    expect((await list(`filter=${encodeURIComponent('externalId eq "EXT-4"')}`)).totalResults).toBe(0);
    expect(await list(`filter=${encodeURIComponent(`id eq "${ids[0]}"`)}`)).toMatchObject({ totalResults: 1, Resources: [{ id: ids[0] }] });
    expect((await list(`filter=${encodeURIComponent('displayName sw "team" and not (externalId eq "ext-1")')}`)).totalResults).toBe(4);

    const page = await list('startIndex=2&count=2');
    expect(page).toMatchObject({ totalResults: 5, itemsPerPage: 2, startIndex: 2 });
    expect(page.Resources.map((g: { id: string }) => g.id)).toEqual([ids[1], ids[2]]);
    expect(await list('startIndex=6&count=2')).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    expect(await list('count=0')).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
    expect((await list('attributes=displayName')).Resources[0]).toEqual({ schemas: [CORE_GROUP], id: ids[0], displayName: 'Team 1' });
  });

  it('refuses filters it cannot answer with 400 invalidFilter', async () => {
    const org = await scimOrg(h, 'groups-filter');
    const scim = client(org.token);
    for (const filter of ['members[value eq "x"]', 'userName eq "x"', 'displayName eq', 'displayName.x eq "a"', 'meta.created gt "2020"']) {
      const answer = await scim('GET', `/Groups?filter=${encodeURIComponent(filter)}`);
      expect(answer, filter).toMatchObject({ status: 400, body: { scimType: 'invalidFilter', status: '400' } });
    }
  });
});

describe('SCIM Groups: refusals change nothing', () => {
  it('answers malformed bodies, unknown members and conflicts with 400/409 and the RFC 7644 scimType', async () => {
    const org = await scimOrg(h, 'groups-bad');
    const scim = client(org.token);
    const [ada] = (await directoryUsersInDatabase(h, org, 1, 'ada')) as [BulkUser];
    const id = (await scim('POST', '/Groups', { ...oktaGroups.create('Ops'), externalId: 'ops' })).body.id as string;
    await scim('POST', '/Groups', oktaGroups.create('Dev'));
    await scim('PATCH', `/Groups/${id}`, entraGroups.add([ada.id]));
    const before = await groupTables(h, org.id);
    const refusals: [string, string, unknown, number, string | undefined][] = [
      ['POST', '/Groups', { displayName: 'No schemas' }, 400, 'invalidSyntax'],
      ['POST', '/Groups', { schemas: [CORE_GROUP] }, 400, 'invalidValue'],
      ['POST', '/Groups', { schemas: [CORE_GROUP], displayName: '   ' }, 400, 'invalidValue'],
      ['POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'x'.repeat(257) }, 400, 'invalidValue'],
      ['POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Shoe', shoeSize: 44 }, 400, 'invalidSyntax'],
      ['POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Bad member', members: [{ value: 'not-a-uuid' }] }, 400, 'invalidValue'],
      ['POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Bad member', members: [{ value: crypto.randomUUID() }] }, 400, 'invalidValue'],
      ['POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Nested', members: [{ value: id, type: 'Group' }] }, 400, 'invalidValue'],
      ['POST', '/Groups', oktaGroups.create('OPS'), 409, 'uniqueness'],
      ['POST', '/Groups', { ...oktaGroups.create('Other'), externalId: 'ops' }, 409, 'uniqueness'],
      ['POST', '/Groups', [], 400, 'invalidSyntax'],
      ['PATCH', `/Groups/${id}`, entraGroups.rename('dev'), 409, 'uniqueness'],
      ['PATCH', `/Groups/${id}`, entraGroups.add([ada.id, crypto.randomUUID()]), 400, 'invalidValue'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: ada.id }] }, { op: 'Remove', path: 'members[value eq "x"]' }] }, 400, 'invalidValue'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members[display eq "ada"]' }] }, 400, 'invalidPath'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'displayName' }] }, 400, 'mutability'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'id', value: 'x' }] }, 400, 'mutability'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'owner', value: 'x' }] }, 400, 'invalidPath'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [] }] }, 400, 'invalidValue'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove' }] }, 400, 'noTarget'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Move', path: 'members' }] }, 400, 'invalidSyntax'],
      ['PATCH', `/Groups/${id}`, { Operations: [{ op: 'Add', path: 'members', value: [{ value: ada.id }] }] }, 400, 'invalidSyntax'],
      ['PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { id: crypto.randomUUID(), displayName: 'Hijack' } }] }, 400, 'mutability'],
      ['PUT', `/Groups/${id}`, { schemas: [CORE_GROUP], displayName: 'Ops', members: [{ value: ada.id }, { id: ada.id }] }, 400, 'invalidSyntax'],
      ['PUT', `/Groups/${crypto.randomUUID()}`, oktaGroups.create('Ghost'), 404, undefined],
      ['DELETE', '/Groups/not-an-id', undefined, 404, undefined],
    ];
    for (const [method, path, body, status, scimType] of refusals) {
      const answer = await scim(method, path, body);
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(answer.body, `${method} ${path} ${JSON.stringify(body)}`).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}) });
    }
    const raw = await fetch(`${world.appUrl}/scim/v2/Groups`, { method: 'POST', headers: { authorization: `Bearer ${org.token}`, 'content-type': 'application/scim+json' }, body: '{"schemas":' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ scimType: 'invalidSyntax' });
    expect(await groupTables(h, org.id)).toEqual(before);
  });
});

describe('SCIM Groups: organisations', () => {
  it("keeps another organisation's groups invisible and its users unusable as members", async () => {
    const acme = await scimOrg(h, 'groups-acme');
    const rival = await scimOrg(h, 'groups-rival');
    const [acmeUser] = (await directoryUsersInDatabase(h, acme, 1, 'acme')) as [BulkUser];
    const [rivalUser] = (await directoryUsersInDatabase(h, rival, 1, 'rival')) as [BulkUser];
    const acmeGroup = (await client(acme.token)('POST', '/Groups', oktaGroups.create('Shared name'))).body.id as string;
    const scim = client(rival.token);
    // The same displayName is free in another organisation.
    expect((await scim('POST', '/Groups', oktaGroups.create('Shared name'))).status).toBe(201);
    const before = await groupTables(h, acme.id);

    expect((await scim('GET', `/Groups/${acmeGroup}`)).status).toBe(404);
    expect((await scim('PATCH', `/Groups/${acmeGroup}`, entraGroups.add([rivalUser.id]))).status).toBe(404);
    expect((await scim('PUT', `/Groups/${acmeGroup}`, oktaGroups.replace(acmeGroup, 'Taken', []))).status).toBe(404);
    expect((await scim('DELETE', `/Groups/${acmeGroup}`)).status).toBe(404);
    expect((await scim('GET', `/Groups?filter=${encodeURIComponent(`id eq "${acmeGroup}"`)}`)).body.totalResults).toBe(0);
    expect((await scim('GET', '/Groups')).body.totalResults).toBe(1);
    expect((await client(acme.token)('PATCH', `/Groups/${acmeGroup}`, entraGroups.add([rivalUser.id]))).body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(await groupTables(h, acme.id)).toEqual(before);
    expect((await client(acme.token)('PATCH', `/Groups/${acmeGroup}`, entraGroups.add([acmeUser.id]))).status).toBe(200);
  });

  it('refuses a cross-organisation membership by constraint, whatever the code does', async () => {
    const acme = await scimOrg(h, 'groups-fk-a');
    const rival = await scimOrg(h, 'groups-fk-r');
    const [rivalUser] = (await directoryUsersInDatabase(h, rival, 1)) as [BulkUser];
    const group = (await client(acme.token)('POST', '/Groups', oktaGroups.create('Acme'))).body.id as string;
    await expect(h.sql`insert into directory_group_members (org_id, group_id, member_id) values (${acme.id}, ${group}, ${rivalUser.memberId})`).rejects.toThrow(/foreign key/);
    await expect(h.sql`insert into directory_group_members (org_id, group_id, member_id) values (${rival.id}, ${group}, ${rivalUser.memberId})`).rejects.toThrow(/foreign key/);
  });
});

describe('SCIM Groups: memberships', () => {
  it('keeps the memberships of a user the directory deactivates or deletes', async () => {
    const org = await scimOrg(h, 'groups-keep');
    const scim = client(org.token);
    const [ada, bob] = (await directoryUsersInDatabase(h, org, 2, 'keep')) as [BulkUser, BulkUser];
    const id = (await scim('POST', '/Groups', { ...oktaGroups.create('Keepers'), members: [{ value: ada.id }, { value: bob.id }] })).body.id as string;
    // Deactivation and deletion as the Users endpoint records them (the lifecycle is not what this test is about).
    await h.sql`update directory_links set directory_state = 'inactive', resource = resource || '{"active": false}' where member_id = ${ada.memberId}`;
    await h.sql`update directory_links set directory_state = 'deleted', deleted_at = now() where member_id = ${bob.memberId}`;
    expect(memberValues((await scim('GET', `/Groups/${id}`)).body)).toEqual([ada.id]);
    // A PUT with the members the directory can still see leaves the deleted user's row alone.
    expect((await scim('PUT', `/Groups/${id}`, oktaGroups.replace(id, 'Keepers', [{ id: ada.id, userName: 'ada' }]))).status).toBe(200);
    const rows = await h.sql<{ member_id: string }[]>`select member_id from directory_group_members where group_id = ${id} order by member_id`;
    expect(rows.map((r) => r.member_id)).toEqual([ada.memberId, bob.memberId].sort());
    // A deleted user cannot be added by its old id: it names no User any more.
    expect((await scim('PATCH', `/Groups/${id}`, entraGroups.add([bob.id]))).body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    // But the directory can take them out of the group, as Entra does after deleting a user.
    expect((await scim('PATCH', `/Groups/${id}`, entraGroups.remove([bob.id]))).status).toBe(200);
    expect(await h.sql`select 1 from directory_group_members where group_id = ${id} and member_id = ${bob.memberId}`).toHaveLength(0);
  });

  it('applies the operations of one PATCH in order, and an add then remove of one user records no change', async () => {
    const org = await scimOrg(h, 'groups-order');
    const scim = client(org.token);
    const [ada, bob] = (await directoryUsersInDatabase(h, org, 2, 'order')) as [BulkUser, BulkUser];
    const id = (await scim('POST', '/Groups', oktaGroups.create('Order'))).body.id as string;
    const answer = await scim('PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Add', path: 'members', value: [{ value: ada.id }, { value: bob.id }] },
        { op: 'Remove', path: `members[value eq "${ada.id}"]` },
        { op: 'Replace', path: 'members', value: [{ value: bob.id }, { value: ada.id }] },
        { op: 'Remove', path: 'members', value: [{ value: bob.id }] },
      ],
    });
    expect(memberValues(answer.body)).toEqual([ada.id]);
    const audit = await h.sql<{ data: { added: string[]; removed: string[] } }[]>`select data from audit_events where org_id = ${org.id} and type = 'directory.group_updated'`;
    expect(audit.map((e) => e.data)).toEqual([expect.objectContaining({ added: [ada.memberId], removed: [] })]);

    expect(memberValues((await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] })).body)).toEqual([]);
  });

  it('serialises parallel PATCHes of one group: all answered 200, the audit log replays to the stored members', { timeout: 60_000 }, async () => {
    const org = await scimOrg(h, 'groups-race');
    const scim = client(org.token);
    const users = await directoryUsersInDatabase(h, org, 200, 'race');
    const id = (await scim('POST', '/Groups', oktaGroups.create('Race'))).body.id as string;
    // 20 chunks of 10 users, each sent twice, with removals of users no one added: all at once.
    const requests = [...Array(20).keys()].flatMap((i) => {
      const chunk = users.slice(i * 10, i * 10 + 10).map((u) => u.id);
      return [entraGroups.add(chunk), oktaGroups.add(users.slice(i * 10, i * 10 + 10)), entraGroups.remove([users[(i * 10 + 5) % 200]!.id])];
    });
    const answers = await Promise.all(requests.map((body) => scim('PATCH', `/Groups/${id}?excludedAttributes=members`, body)));
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    const stored = await h.sql<{ member_id: string }[]>`select member_id from directory_group_members where group_id = ${id}`;
    const storedIds = new Set(stored.map((r) => r.member_id));
    // Everyone added and never removed is in once; whether a removal came before or after its add depends on arrival.
    expect(users.filter((_, i) => i % 10 !== 5 && !storedIds.has(users[i]!.memberId))).toEqual([]);
    expect(stored.length).toBeGreaterThanOrEqual(180);
    expect(stored.length).toBeLessThanOrEqual(200);
    // Each user's adds and removes, replayed from the audit log in commit order, give the stored set.
    const audit = await h.sql<{ data: { added: string[]; removed: string[] } }[]>`
      select data from audit_events where org_id = ${org.id} and type = 'directory.group_updated' order by id`;
    const replayed = new Set<string>();
    for (const { data } of audit) {
      data.added.forEach((m) => replayed.add(m));
      data.removed.forEach((m) => replayed.delete(m));
    }
    expect([...replayed].sort()).toEqual([...storedIds].sort());
  });
});

describe('SCIM Groups: discovery', () => {
  it('announces Groups in ResourceTypes and Schemas', async () => {
    const org = await scimOrg(h, 'groups-disco');
    const scim = client(org.token);
    expect((await scim('GET', '/ResourceTypes')).body).toMatchObject({ totalResults: 2, Resources: [{ id: 'User' }, { id: 'Group', endpoint: '/Groups', schema: CORE_GROUP }] });
    expect((await scim('GET', '/ResourceTypes/Group')).body).toMatchObject({ id: 'Group', endpoint: '/Groups' });
    const schema = await scim('GET', `/Schemas/${CORE_GROUP}`);
    expect(schema.body.attributes.map((a: { name: string }) => a.name)).toEqual(['displayName', 'externalId', 'members']);
    expect((await scim('GET', '/Schemas')).body.Resources.map((s: { id: string }) => s.id)).toContain(CORE_GROUP);
    expect((await scim('GET', '/ServiceProviderConfig')).body).toMatchObject({ patch: { supported: true }, filter: { supported: true } });
  });
});
