import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';

let h: TestHarness;
let world: SsoWorld;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada Lovelace', groups: ['admins'], roles: ['org_admin', 'admin'] },
    { login: 'grace', email: `Grace@${domain}`, email_verified: true, name: 'Grace Hopper' },
  ]);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const membersOf = (orgId: string) =>
  h.sql<{ id: string; email: string; name: string; org_role: string; source: string; status: string }[]>`
    select id, email, name, org_role, source, status from members where org_id = ${orgId} order by email`;

describe('first SSO sign-in (JIT)', () => {
  it('creates exactly one Member with a session and no sites, ignoring admin claims from the IdP', async () => {
    const browser = new TestBrowser();
    const me = await world.signIn(browser, 'ada');
    expect(me.url).toBe(`${world.appUrl}/api/me`);
    expect(me.status).toBe(200);
    const body = JSON.parse(me.body);
    expect(body).toMatchObject({
      member: { email: `ada@${world.domain}`, name: 'Ada Lovelace', status: 'active' },
      org: { slug: world.org.slug },
      orgRole: 'member',
      sites: [],
    });
    expect(body.message).toMatch(/admins/);

    const members = await membersOf(world.org.id);
    expect(members).toEqual([expect.objectContaining({ email: `ada@${world.domain}`, org_role: 'member', source: 'jit', status: 'active' })]);
    const identities = await h.sql`select iss, sub from identities where member_id = ${members[0]!.id}`;
    expect(identities).toEqual([{ iss: world.idp.issuer, sub: 'ada' }]);
    const sessions = await h.sql`select 1 from sessions where member_id = ${members[0]!.id} and revoked_at is null`;
    expect(sessions).toHaveLength(1);
    const audit = await h.sql`select type from audit_events where member_id = ${members[0]!.id} order by id`;
    expect(audit.map((a) => a.type)).toEqual(expect.arrayContaining(['member.created', 'identity.linked']));

    const lifecycle = h.client.workflow.getHandle(memberWorkflowId(world.org.slug, members[0]!.id));
    const state = await eventually(() => lifecycle.query(memberStateQuery).catch(() => undefined));
    expect(state).toMatchObject({ status: 'active', siteAccessPending: true });
  });
});
