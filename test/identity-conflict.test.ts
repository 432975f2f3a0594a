import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directProvisioning } from './support/provisioning.ts';
import { makeOrgAdmin, resetIdentity } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { insertSsoOrg } from './support/fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;

beforeAll(async () => {
  h = await startHarness();
  // One mailbox, two accounts at the same IdP: a recreated IdP user, or a reassigned address.
  world = await startSsoWorld(h, (domain) => [
    { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada' },
    { login: 'ada-recreated', email: `ada@${domain}`, email_verified: true, name: 'Someone with Ada’s address' },
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'Boss' },
    { login: 'grace', email: `grace@${domain}`, email_verified: true, name: 'Grace' },
  ]);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const memberByEmail = async (login: string) => {
  const [m] = await h.sql<{ id: string; org_role: string }[]>`
    select id, org_role from members where org_id = ${world.org.id} and email = ${`${login}@${world.domain}`}`;
  return m;
};
const subsOf = async (memberId: string) => (await h.sql`select sub from identities where member_id = ${memberId}`).map((r) => r.sub);
const refusals = (memberId: string) =>
  h.sql`select data from audit_events where member_id = ${memberId} and type = 'identity.link_refused'`;
const resetLink = (browser: TestBrowser, memberId: string) =>
  browser.request(`${world.appUrl}/api/orgs/${world.org.slug}/members/${memberId}/identities`, { method: 'DELETE', headers: { origin: world.appUrl } });

describe('a reused email does not inherit an account', () => {
  it("a second account at the same IdP with a member's email is refused, audited once, and gets no session", async () => {
    const adaBrowser = new TestBrowser();
    await world.signIn(adaBrowser, 'ada');
    const ada = (await memberByEmail('ada'))!;
    await makeOrgAdmin(h.sql, { org: world.org.slug, email: `ada@${world.domain}` });

    for (let attempt = 0; attempt < 2; attempt++) {
      const intruder = new TestBrowser();
      const page = await world.signIn(intruder, 'ada-recreated');
      expect(page.status).toBe(403);
      expect(page.body).toContain('ask your admin to reset your sign-in link');
      expect(intruder.cookie(world.appUrl, 'session')).toBeUndefined();
    }
    expect(await subsOf(ada.id)).toEqual(['ada']);
    expect(await refusals(ada.id)).toEqual([{ data: expect.objectContaining({ reason: 'identity_conflict', sub: 'ada-recreated' }) }]);
    expect((await adaBrowser.request(`${world.appUrl}/api/me`)).status).toBe(200);
  });

  it("after an org admin resets the member's sign-in link, the new account links and the old sessions end", async () => {
    const graceBrowser = new TestBrowser();
    await world.signIn(graceBrowser, 'grace');
    const grace = (await memberByEmail('grace'))!;
    const bossBrowser = new TestBrowser();
    await world.signIn(bossBrowser, 'boss');
    const boss = (await memberByEmail('boss'))!;

    expect((await resetLink(graceBrowser, boss.id)).status).toBe(403);
    expect(await subsOf(boss.id)).toEqual(['boss']);

    await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
    const res = await resetLink(bossBrowser, grace.id);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ unlinked: 1 });
    expect(await subsOf(grace.id)).toEqual([]);
    expect((await graceBrowser.request(`${world.appUrl}/api/me`)).status).toBe(401);
    const [event] = await h.sql`select actor, data from audit_events where member_id = ${grace.id} and type = 'identity.reset'`;
    expect(event).toEqual({ actor: `member:${boss.id}`, data: { unlinked: [{ iss: world.idp.issuer, sub: 'grace' }] } });

    expect((await resetLink(bossBrowser, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await resetLink(bossBrowser, 'not-a-uuid')).status).toBe(404);
  });

  it('the operator resets a sign-in link by email', async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const { provisionIdentity } = directProvisioning(h.sql);
    await provisionIdentity(signIn('lin'));
    expect(await provisionIdentity({ ...signIn('lin'), sub: 'lin-2' })).toEqual({ outcome: 'refused', reason: 'identity_conflict' });
    expect(await resetIdentity(h.sql, { org: org.slug, email: `lin@${org.slug}.test` })).toBe(1);
    expect(await provisionIdentity({ ...signIn('lin'), sub: 'lin-2' })).toMatchObject({ outcome: 'linked' });
    await expect(resetIdentity(h.sql, { org: org.slug, email: `nobody@${org.slug}.test` })).rejects.toThrow(/no member/);
  });

  it('linking by email stays possible when the organisation moves to another IdP (a new issuer)', async () => {
    const { signIn } = await insertSsoOrg(h.sql);
    const { provisionIdentity } = directProvisioning(h.sql);
    const first = await provisionIdentity(signIn('mo'));
    const moved = await provisionIdentity({ ...signIn('mo'), iss: 'https://new-idp.example', sub: 'mo-at-new-idp' });
    expect(moved).toMatchObject({ outcome: 'linked', memberId: (first as { memberId: string }).memberId });
  });
});
