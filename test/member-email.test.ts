import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScimToken } from '../operator/scim-tokens.ts';
import { memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { recordHistory } from './support/histories.ts';
import { okta } from './support/scim-fixtures.ts';
import { scimOverHttp } from './support/scim.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

let h: TestHarness;
let world: SsoWorld;
let token: string;
beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [{ login: 'erin', email: `erin@${domain}`, email_verified: true, name: 'Erin Example' }]);
  token = (await createScimToken(h.sql, { org: world.org.slug })).token;
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const scim = (method: string, path: string, body?: unknown) => scimOverHttp(world.appUrl, token, method, path, body);

/** Workflow IDs an operator finds filtering on MemberEmailHash in the Temporal UI. */
async function findByEmail(email: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of h.client.workflow.list({ query: `${searchAttributes.memberEmailHash.name} = '${testEmailHash(email)}'` })) ids.push(wf.workflowId);
  return ids;
}

/** Visibility is eventually consistent: waits until the new address finds the lifecycle and the old one nothing. */
async function untilEmailFollowed(workflowId: string, newEmail: string, oldEmail: string) {
  await eventually(async () => {
    const [found, stale] = await Promise.all([findByEmail(newEmail), findByEmail(oldEmail)]);
    return found.includes(workflowId) && stale.length === 0 ? true : undefined;
  }, 20_000).catch(() => undefined);
  expect({ [newEmail]: await findByEmail(newEmail), [oldEmail]: await findByEmail(oldEmail) }).toEqual({ [newEmail]: [workflowId], [oldEmail]: [] });
}

/** MemberEmailHash upserts in the lifecycle's history (billed Actions). */
async function emailUpserts(workflowId: string): Promise<number> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[searchAttributes.memberEmailHash.name]).length;
}

const memberIdOf = async (email: string) => (await h.sql<{ id: string }[]>`select id from members where org_id = ${world.org.id} and email = ${email}`)[0]?.id;

describe('MemberEmailHash follows the member email', { timeout: 90_000 }, () => {
  it('when the directory changes it: the new address finds the lifecycle, the old one nothing, one upsert per change', async () => {
    const [before, after] = [`frank@${world.domain}`, `frank.new@${world.domain}`];
    const created = await scim('POST', '/Users', okta.create(before, 'ext-frank', 'Frank', 'Field'));
    expect(created.status).toBe(201);
    const workflowId = memberWorkflowId(world.org.slug, (await memberIdOf(before))!);
    await eventually(async () => ((await findByEmail(before)).includes(workflowId) ? true : undefined), 20_000);
    const upsertsBefore = await emailUpserts(workflowId);

    const replace = okta.replace(created.body.id, after, 'ext-frank', 'Frank', 'Field');
    expect((await scim('PUT', `/Users/${created.body.id}`, replace)).status).toBe(200);
    await untilEmailFollowed(workflowId, after, before);
    // The same PUT again changes nothing: no further signal, no further upsert.
    expect((await scim('PUT', `/Users/${created.body.id}`, replace)).status).toBe(200);
    expect(await emailUpserts(workflowId)).toBe(upsertsBefore + 1);
    await recordHistory(h.client.workflow.getHandle(workflowId), 'member-lifecycle-directory-email-changed');
  });

  it('when a sign-in brings a new address from the IdP: the new address finds the lifecycle, the old one nothing', async () => {
    const [before, after] = [`erin@${world.domain}`, `erin.new@${world.domain}`];
    await world.signIn(new TestBrowser(), 'erin');
    const workflowId = memberWorkflowId(world.org.slug, (await memberIdOf(before))!);
    await eventually(async () => ((await findByEmail(before)).includes(workflowId) ? true : undefined), 20_000);
    const upsertsBefore = await emailUpserts(workflowId);

    world.idp.accounts.get('erin')!.email = after;
    const page = await world.signIn(new TestBrowser(), 'erin');
    expect(JSON.parse(page.body).member).toMatchObject({ email: after });
    await untilEmailFollowed(workflowId, after, before);
    expect(await emailUpserts(workflowId)).toBe(upsertsBefore + 1);
    await recordHistory(h.client.workflow.getHandle(workflowId), 'member-lifecycle-sign-in-email-changed');
  });
});
