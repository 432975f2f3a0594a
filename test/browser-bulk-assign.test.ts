import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeOrgAdmin } from '../operator/operations.ts';
import { expectFitsNarrowScreen, expectNoSeriousViolations, launchChromium, screenshot, signInWithChromium } from './support/chromium.ts';
import { insertMember } from './support/fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let browser: Browser;
let adminPage: Page;
const waiting: { id: string; email: string }[] = [];

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  await h.sql`insert into sites (org_id, name) values (${world.org.id}, 'Berlin HQ'), (${world.org.id}, 'Lisbon Office')`;
  for (const name of ['Ada Lovelace', 'Brian Kernighan', 'Claude Shannon', 'Dorothy Vaughan', 'Edsger Dijkstra']) {
    const member = await insertMember(h.sql, world.org.id, `${name.split(' ')[0]!.toLowerCase()}@${world.domain}`, { source: 'jit' });
    await h.sql`update members set name = ${name} where id = ${member.id}`;
    waiting.push(member);
  }
  const gone = await insertMember(h.sql, world.org.id, `frances@${world.domain}`, { source: 'directory' });
  await h.sql`update members set name = 'Frances Gone', status = 'disabled' where id = ${gone.id}`;
  browser = await launchChromium();
  adminPage = await (await browser.newContext()).newPage();
  await signInWithChromium(adminPage, world.appUrl, world.idp.issuer, 'boss', `boss@${world.domain}`);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
  await h?.stop();
});

it('an admin ticks five waiting members, picks a site and role, assigns them in one action and reads the confirmation', async () => {
  await adminPage.goto(`${world.appUrl}/admin/members`);
  const waitingList = adminPage.getByRole('region', { name: 'Waiting for site access' });
  const listed = await waitingList.innerText();
  for (const name of ['Ada Lovelace', 'Brian Kernighan', 'Claude Shannon', 'Dorothy Vaughan', 'Edsger Dijkstra']) expect(listed).toContain(name);
  // The disabled member waits for nothing: not in the waiting list, but among the others.
  expect(listed).not.toContain('Frances Gone');
  expect(await adminPage.getByRole('region', { name: 'Other members' }).innerText()).toMatch(/Frances Gone[\s\S]*disabled/);
  await screenshot(adminPage, 'bulk-1-waiting-list');

  for (const name of ['Ada Lovelace', 'Brian Kernighan', 'Claude Shannon', 'Dorothy Vaughan', 'Edsger Dijkstra']) {
    await adminPage.getByRole('checkbox', { name: `Select ${name}` }).check();
  }
  await adminPage.locator('select[name=siteId]').selectOption({ label: 'Berlin HQ' });
  await adminPage.locator('select[name=role]').selectOption('site_member');
  await adminPage.getByRole('button', { name: 'Assign site' }).click();
  await adminPage.waitForURL(`${world.appUrl}/admin/members`);
  expect(await adminPage.getByRole('status').innerText()).toBe('5 members can now see Berlin HQ as site members.');
  expect(await waitingList.count()).toBe(0);
  await screenshot(adminPage, 'bulk-2-assigned');

  const assigned = await h.sql<{ email: string }[]>`
    select m.email from site_assignments a join members m on m.id = a.member_id join sites s on s.id = a.site_id
    where s.name = 'Berlin HQ' and a.site_role = 'site_member' and m.org_id = ${world.org.id} order by m.email`;
  expect(assigned.map((a) => a.email)).toEqual(waiting.map((m) => m.email).sort());
  // Shown once: the next page carries no notice.
  await adminPage.reload();
  expect(await adminPage.getByRole('status').count()).toBe(0);
}, 60_000);

it('the members list with its bulk form has no serious accessibility violation at 320 px and 1280 px, and fits 320 px', async () => {
  await h.sql`delete from site_assignments where org_id = ${world.org.id}`;
  await h.sql`update members set site_access_pending_since = now() where org_id = ${world.org.id} and org_role = 'member'`;
  for (const path of ['/admin/members', '/admin/members?siteAccess=none']) {
    await adminPage.goto(`${world.appUrl}${path}`);
    expect(await adminPage.getByRole('button', { name: 'Assign site' }).count()).toBe(1);
    for (const width of [320, 1280]) {
      await adminPage.setViewportSize({ width, height: 800 });
      await expectNoSeriousViolations(adminPage);
      await screenshot(adminPage, `bulk-3-list-${width}${path.includes('?') ? '-filtered' : ''}`);
    }
    await expectFitsNarrowScreen(adminPage);
  }
}, 60_000);
