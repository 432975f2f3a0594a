import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryUsersInDatabase, type BulkUser, scimOrg, memberValues, scimClient } from './support/scim.ts';
import { CORE_GROUP, entraGroups, okta, oktaGroups } from './support/scim-fixtures.ts';
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
const auditOf = (orgId: string) =>
  h.sql<{ type: string; data: Record<string, unknown> }[]>`select type, data from audit_events where org_id = ${orgId} and type like 'directory.group%' order by id`;

describe('Okta Group Push', () => {
  it('looks the group up, creates it, adds and removes members by PATCH, renames it, replaces it with PUT and deletes it', async () => {
    const org = await scimOrg(h, 'okta-groups');
    const scim = client(org.token);
    // Users as Okta provisions them, through the Users endpoint.
    const users = [];
    for (const name of ['ada', 'bob', 'cy']) {
      const created = await scim('POST', '/Users', okta.create(`${name}@${org.domain}`, `00u-${name}`));
      expect(created.status).toBe(201);
      users.push({ id: created.body.id as string, userName: created.body.userName as string });
    }
    const [ada, bob, cy] = users as [(typeof users)[number], (typeof users)[number], (typeof users)[number]];

    expect((await scim('GET', `/Groups?${oktaGroups.existence('Engineering')}`)).body).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await scim('POST', '/Groups', oktaGroups.create('Engineering'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ schemas: [CORE_GROUP], displayName: 'Engineering', members: [], meta: { resourceType: 'Group' } });
    const id = created.body.id as string;

    const added = await scim('PATCH', `/Groups/${id}`, oktaGroups.add([ada, bob]));
    expect(added.status).toBe(200);
    expect(memberValues(added.body)).toEqual([ada.id, bob.id].sort());
    expect(added.body.members).toContainEqual({ value: ada.id, display: ada.userName, type: 'User', $ref: `${world.appUrl}/scim/v2/Users/${ada.id}` });

    const removed = await scim('PATCH', `/Groups/${id}`, oktaGroups.remove([ada.id]));
    expect(removed.status).toBe(200);
    expect(memberValues(removed.body)).toEqual([bob.id]);

    const renamed = await scim('PATCH', `/Groups/${id}`, oktaGroups.rename(id, 'Engineering EU'));
    expect(renamed.body).toMatchObject({ id, displayName: 'Engineering EU' });
    expect(memberValues(renamed.body)).toEqual([bob.id]);

    const replaced = await scim('PUT', `/Groups/${id}`, oktaGroups.replace(id, 'Engineering EU', [ada, cy]));
    expect(replaced.status).toBe(200);
    expect(memberValues(replaced.body)).toEqual([ada.id, cy.id].sort());
    // Okta repeats a PUT it got no answer to: the same group, and nothing more in the audit log.
    const auditBefore = (await auditOf(org.id)).length;
    expect(memberValues((await scim('PUT', `/Groups/${id}`, oktaGroups.replace(id, 'Engineering EU', [ada, cy]))).body)).toEqual([ada.id, cy.id].sort());
    expect(await auditOf(org.id)).toHaveLength(auditBefore);

    const found = await scim('GET', `/Groups?${oktaGroups.existence('engineering eu')}`);
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id, displayName: 'Engineering EU' }] });

    expect((await scim('DELETE', `/Groups/${id}`)).status).toBe(204);
    expect((await scim('GET', `/Groups/${id}`)).status).toBe(404);
    expect((await scim('DELETE', `/Groups/${id}`)).status).toBe(404);

    const audit = await auditOf(org.id);
    expect(audit.map((e) => e.type)).toEqual(['directory.group_created', 'directory.group_updated', 'directory.group_updated', 'directory.group_updated', 'directory.group_updated', 'directory.group_deleted']);
    expect(audit[3]!.data).toMatchObject({ displayName: { from: 'Engineering', to: 'Engineering EU' }, added: [], removed: [] });
    expect((audit[5]!.data.removed as string[]).length).toBe(2);
  });

  it('pushes a group of 1,000 users in chunks of 100 within 30 s, and a repeated chunk changes nothing', { timeout: 60_000 }, async () => {
    const org = await scimOrg(h, 'okta-big');
    const scim = client(org.token);
    const users = await directoryUsersInDatabase(h, org, 1_000);
    const id = (await scim('POST', '/Groups', oktaGroups.create('Everyone'))).body.id as string;
    const started = performance.now();
    for (let i = 0; i < users.length; i += 100) {
      const answer = await scim('PATCH', `/Groups/${id}?excludedAttributes=members`, oktaGroups.add(users.slice(i, i + 100)));
      expect(answer.status).toBe(200);
      expect(answer.body).not.toHaveProperty('members');
    }
    const pushMs = performance.now() - started;
    console.log(`group push: 1,000 members in 10 PATCH requests took ${Math.round(pushMs)} ms`);
    expect(pushMs).toBeLessThan(30_000);
    const stored = await h.sql`select 1 from directory_group_members where group_id = ${id}`;
    expect(stored).toHaveLength(1_000);
    const full = await scim('GET', `/Groups/${id}`);
    expect(full.body.members).toHaveLength(1_000);
    // The same chunk again (a retry) adds no one and writes no audit event.
    const auditBefore = (await auditOf(org.id)).length;
    expect((await scim('PATCH', `/Groups/${id}?excludedAttributes=members`, oktaGroups.add(users.slice(0, 100)))).status).toBe(200);
    expect(await auditOf(org.id)).toHaveLength(auditBefore);
  });
});

describe('Microsoft Entra ID groups', () => {
  it('looks the group up without members, creates it, adds and removes members, renames it both ways and deletes it', async () => {
    const org = await scimOrg(h, 'entra-groups');
    const scim = client(org.token);
    const [ada, bob, cy] = (await directoryUsersInDatabase(h, org, 3, 'entra')) as [BulkUser, BulkUser, BulkUser];

    const none = await scim('GET', `/Groups?${entraGroups.existence('Sales')}`);
    expect(none).toMatchObject({ status: 200, body: { totalResults: 0 } });
    const created = await scim('POST', '/Groups', entraGroups.create('Sales', 'e7c5f9a0-aad-group'));
    expect(created).toMatchObject({ status: 201, body: { displayName: 'Sales', externalId: 'e7c5f9a0-aad-group', members: [] } });
    const id = created.body.id as string;

    expect(memberValues((await scim('PATCH', `/Groups/${id}`, entraGroups.add([ada.id, bob.id, cy.id]))).body)).toEqual([ada.id, bob.id, cy.id].sort());
    expect(memberValues((await scim('PATCH', `/Groups/${id}`, entraGroups.remove([bob.id]))).body)).toEqual([ada.id, cy.id].sort());
    // Entra removes one member by a filter path too.
    const filtered = await scim('PATCH', `/Groups/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Remove', path: `members[value eq "${cy.id}"]` }] });
    expect(memberValues(filtered.body)).toEqual([ada.id]);

    expect((await scim('PATCH', `/Groups/${id}`, entraGroups.rename('Sales EMEA'))).body).toMatchObject({ displayName: 'Sales EMEA' });
    expect((await scim('PATCH', `/Groups/${id}?aadOptscim062020`, entraGroups.renameWithoutPath('Sales Europe'))).body).toMatchObject({ displayName: 'Sales Europe' });

    const lookup = await scim('GET', `/Groups/${id}?excludedAttributes=members`);
    expect(lookup.body).toMatchObject({ id, displayName: 'Sales Europe', externalId: 'e7c5f9a0-aad-group' });
    expect(lookup.body).not.toHaveProperty('members');
    const byExternalId = await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('externalId eq "e7c5f9a0-aad-group"')}`);
    expect(byExternalId.body).toMatchObject({ totalResults: 1, Resources: [{ id }] });
    // externalId is case-exact: another case names another group.
    expect((await scim('GET', `/Groups?filter=${encodeURIComponent('externalId eq "E7C5F9A0-AAD-GROUP"')}`)).body.totalResults).toBe(0);

    // Entra repeats an Add it got no answer to: nothing changes.
    const auditBefore = (await auditOf(org.id)).length;
    expect(memberValues((await scim('PATCH', `/Groups/${id}`, entraGroups.add([ada.id]))).body)).toEqual([ada.id]);
    expect(await auditOf(org.id)).toHaveLength(auditBefore);

    expect((await scim('DELETE', `/Groups/${id}`)).status).toBe(204);
    expect((await auditOf(org.id)).at(-1)).toMatchObject({ type: 'directory.group_deleted', data: { groupId: id, displayName: 'Sales Europe' } });
  });
});
