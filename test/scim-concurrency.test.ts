import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueDirectoryEvents } from '../db/directory-events.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { directorySignals, scimApp, scimOrg, scimOverHttp } from './support/scim.ts';
import { entra, okta } from './support/scim-fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testDataConverter } from './support/payload-keys.ts';

/** Rounds of a create racing a PATCH or DELETE of the same person; SCIM_RACE_ROUNDS=200 for a closer look. */
const ROUNDS = Number(process.env.SCIM_RACE_ROUNDS ?? 40);

let h: TestHarness;
let world: SsoWorld;
let token: string;
beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, () => []);
  token = (await createScimToken(h.sql, { org: world.org.slug })).token;
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const scim = (method: string, path: string, body?: unknown) => scimOverHttp(world.appUrl, token, method, path, body);

const memberOf = async (scimId: string) =>
  (await h.sql<{ id: string; status: string }[]>`select m.id, m.status from directory_links l join members m on m.id = l.member_id where l.scim_id = ${scimId}`)[0]!;

describe('concurrent SCIM writes on one person', { timeout: 300_000 }, () => {
  it('a create racing a PATCH or DELETE of the same person answers 2xx or 4xx as RFC 7644 says, never 5xx', async () => {
    const answers: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const email = `race${round}@${world.domain}`;
      const first = await scim('POST', '/Users', okta.create(email, `ext-a-${round}`));
      expect(first.status).toBe(201);
      // A second directory user for the same address (another userName and externalId): it locks the
      // member by email while the PATCH or DELETE locks the first user's link.
      const second = scim('POST', '/Users', entra.create(`second${round}@${world.domain}`, email, `ext-b-${round}`));
      const patching = round % 2 === 0;
      const write = patching ? scim('PATCH', `/Users/${first.body.id}`, okta.setActive(false)) : scim('DELETE', `/Users/${first.body.id}`);
      const [created, changed] = await Promise.all([second, write]);
      answers.push(`${patching ? 'PATCH' : 'DELETE'} ${changed.status} / POST ${created.status}`);
      if (created.status >= 500 || changed.status >= 500) continue;
      expect(changed.status).toBe(patching ? 200 : 204);
      // The first user still holds the address while it lives; once deleted, the person may be created again.
      expect(created.status, JSON.stringify(created.body)).toBe(patching ? 409 : created.status === 201 ? 201 : 409);
      if (created.status === 409) expect(created.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    }
    const tally = [...new Set(answers)].map((a) => `${a}: ${answers.filter((b) => b === a).length}`);
    console.info(`create racing PATCH/DELETE, ${ROUNDS} rounds: ${tally.join('; ')}`);
    expect(answers.filter((a) => / 5\d\d/.test(a))).toEqual([]);
  });

  it('five identical deactivates at once send the lifecycle one signal, and five reactivates one more', async () => {
    const created = await scim('POST', '/Users', okta.create(`quintet@${world.domain}`, 'ext-quintet'));
    expect(created.status).toBe(201);
    const member = await memberOf(created.body.id);
    const five = (active: boolean) => Promise.all(Array.from({ length: 5 }, () => scim('PATCH', `/Users/${created.body.id}`, okta.setActive(active))));

    expect((await five(false)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await eventually(async () => ((await memberOf(created.body.id)).status === 'disabled' ? true : undefined));
    const afterDeactivates = (await directorySignals(h, world.org.slug, member.id)).map((e) => e.state);
    expect((await five(true)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await eventually(async () => ((await memberOf(created.body.id)).status === 'active' ? true : undefined));
    const afterReactivates = (await directorySignals(h, world.org.slug, member.id)).map((e) => e.state);
    console.info(`signals after 5 deactivates: ${afterDeactivates.length - 1}; after 5 reactivates: ${afterReactivates.length - afterDeactivates.length}`);

    expect(afterDeactivates).toEqual(['active', 'inactive']);
    expect(afterReactivates).toEqual(['active', 'inactive', 'active']);
  });
});

describe('a request that died between its commit and its signal', () => {
  it('holds the delivery until its claim is stale: identical requests and the backstop list leave the event alone, then one delivers it', async () => {
    const org = await scimOrg(h, 'claim');
    const live = scimApp(h);
    const unreachable = Connection.lazy({ address: '127.0.0.1:1' });
    const cutOff = scimApp(h, h.taskQueue, { client: new Client({ connection: unreachable, dataConverter: testDataConverter }), connection: unreachable });
    try {
      const created = await live('POST', '/Users', { token: org.token, body: okta.create(`gone@${org.domain}`, 'ext-gone') });
      expect(created.status).toBe(201);
      const member = await memberOf(created.body.id);
      expect((await cutOff('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(503);
      // As a request that crashed after its commit leaves it: the event claimed, never signalled.
      await h.sql`update directory_links set delivery_claimed_at = now() where member_id = ${member.id}`;
      const pending = () => dueDirectoryEvents(h.sql, 10, org.id);

      expect((await live('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
      expect(await pending()).toEqual([]);
      expect((await directorySignals(h, org.slug, member.id)).map((e) => e.state)).toEqual(['active']);

      await h.sql`update directory_links set delivery_claimed_at = now() - interval '31 seconds' where member_id = ${member.id}`;
      expect((await pending()).map((p) => p.event.state)).toEqual(['inactive']);
      expect((await live('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
      expect((await live('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
      expect(await pending()).toEqual([]);
      expect((await directorySignals(h, org.slug, member.id)).map((e) => e.state)).toEqual(['active', 'inactive']);
    } finally {
      await unreachable.close();
    }
  });
});
