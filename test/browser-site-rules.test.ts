import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeOrgAdmin } from '../operator/operations.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { expectFitsNarrowScreen, expectNoSeriousViolations, launchChromium, screenshot, signInWithChromium } from './support/chromium.ts';
import { scimGroupWithPeople } from './support/scim.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

// Site-access rules end to end: the directory pushes a group over SCIM, an org admin gives it a
// site on the rules page, applySiteRulesWorkflow (on the harness's worker) gives the members the
// site, and the member page says where it comes from through a removal, a hand-back and the
// rule's deletion.
let h: TestHarness;
let world: SsoWorld;
let browser: Browser;
let adminPage: Page;
let adaId: string;
let graceId: string;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'Avery Admin' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  await h.sql`insert into sites (org_id, name) values (${world.org.id}, 'Berlin HQ'), (${world.org.id}, 'Lisbon Office')`;
  const { token } = await createScimToken(h.sql, { org: world.org.slug });
  await scimGroupWithPeople(world.appUrl, token, 'Berlin Office', [
    { email: `ada@${world.domain}`, given: 'Ada', family: 'Lovelace' },
    { email: `grace@${world.domain}`, given: 'Grace', family: 'Hopper' },
  ]);
  const idOf = async (login: string) => (await h.sql<{ id: string }[]>`select id from members where email = ${`${login}@${world.domain}`}`)[0]!.id;
  adaId = await idOf('ada');
  graceId = await idOf('grace');
  browser = await launchChromium();
  adminPage = await (await browser.newContext()).newPage();
  await signInWithChromium(adminPage, world.appUrl, world.idp.issuer, 'boss', `boss@${world.domain}`);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
  await h?.stop();
});

const berlinHqOf = (memberId: string) => h.sql<{ role: string }[]>`
  select a.site_role as role from site_assignments a join sites s on s.id = a.site_id where a.member_id = ${memberId} and s.name = 'Berlin HQ'`;
/** Bounded: the workflow works the queued members out within seconds. */
const untilBerlinHq = (memberId: string, has: boolean) => eventually(async () => ((await berlinHqOf(memberId)).length > 0 === has ? true : undefined), 30_000);
const sitesText = () => adminPage.locator('section[aria-labelledby=sites]').innerText();

it('a rule made on the rules page gives the group its site; the member page says where each site comes from through a removal, a hand-back and the rule\'s deletion', async () => {
  await adminPage.goto(`${world.appUrl}/`);
  await adminPage.getByRole('link', { name: 'Site rules' }).click();
  await adminPage.waitForURL(`${world.appUrl}/admin/site-rules`);
  expect(await adminPage.locator('main').innerText()).toContain('No rules yet');
  await adminPage.locator('select[name=groupId]').selectOption({ label: 'Berlin Office (2 members)' });
  await adminPage.locator('select[name=siteId]').selectOption({ label: 'Berlin HQ' });
  await adminPage.locator('select[name=role]').selectOption('site_member');
  await adminPage.getByRole('button', { name: 'Create rule' }).click();
  await adminPage.waitForURL(`${world.appUrl}/admin/site-rules`);
  expect(await adminPage.getByRole('status').innerText()).toBe('Rule created: members of Berlin Office get Berlin HQ as a site member. 2 members are being updated.');
  expect(await adminPage.getByRole('region', { name: 'Rules' }).innerText()).toMatch(/Berlin Office\s+Berlin HQ\s+Site member\s+2/);
  await screenshot(adminPage, 'site-rules-1-created');
  await untilBerlinHq(adaId, true);
  await untilBerlinHq(graceId, true);
  expect(await berlinHqOf(adaId)).toEqual([{ role: 'site_member' }]);

  await adminPage.goto(`${world.appUrl}/admin/members/${adaId}`);
  expect(await sitesText()).toContain('Berlin HQ (site member): from group Berlin Office');
  // No decision stands: nothing to hand back.
  expect(await adminPage.getByRole('button', { name: /^Hand back/ }).count()).toBe(0);
  await screenshot(adminPage, 'site-rules-2-member-from-group');

  await adminPage.getByRole('button', { name: 'Remove Ada Lovelace from Berlin HQ' }).click();
  await adminPage.waitForURL(`${world.appUrl}/admin/members/${adaId}`);
  expect(await adminPage.getByRole('status').innerText()).toBe('Ada Lovelace no longer sees Berlin HQ.');
  expect(await sitesText()).toContain('Berlin HQ (no access): removed by Avery Admin despite group Berlin Office');
  expect(await berlinHqOf(adaId)).toEqual([]);
  expect(await adminPage.getByRole('region', { name: 'Timeline' }).innerText()).toContain('Avery Admin removed them from Berlin HQ despite group Berlin Office');
  await screenshot(adminPage, 'site-rules-3-member-removed-despite-group');

  await adminPage.getByRole('button', { name: 'Hand back to group rules: Berlin HQ' }).click();
  await adminPage.waitForURL(`${world.appUrl}/admin/members/${adaId}`);
  expect(await adminPage.getByRole('status').innerText()).toBe('Berlin HQ is handed back to the group rules: Ada Lovelace has it as a site member from them.');
  expect(await sitesText()).toContain('Berlin HQ (site member): from group Berlin Office');
  expect(await berlinHqOf(adaId)).toEqual([{ role: 'site_member' }]);

  // Another role for Grace: the admin's decision, shown over the group's.
  await adminPage.goto(`${world.appUrl}/admin/members/${graceId}`);
  await adminPage.locator('select[name=siteId]').selectOption({ label: 'Berlin HQ' });
  await adminPage.locator('select[name=role]').selectOption('site_admin');
  await adminPage.getByRole('button', { name: 'Assign site' }).click();
  await adminPage.waitForURL(`${world.appUrl}/admin/members/${graceId}`);
  expect(await sitesText()).toContain('Berlin HQ (site admin): site role set by Avery Admin (group Berlin Office gives site member)');
  for (const width of [320, 1280]) {
    await adminPage.setViewportSize({ width, height: 800 });
    await expectNoSeriousViolations(adminPage);
  }
  await expectFitsNarrowScreen(adminPage);

  await adminPage.goto(`${world.appUrl}/admin/site-rules`);
  await adminPage.getByRole('link', { name: 'Delete: Berlin Office gets Berlin HQ' }).click();
  expect(await adminPage.locator('h1').innerText()).toBe('Delete the rule: Berlin Office gets Berlin HQ?');
  expect(await adminPage.locator('main').innerText()).toContain("The group's 2 members lose Berlin HQ, unless another group's rule or an admin's decision gives it to them.");
  // Only the confirmation deletes.
  expect(await h.sql`select 1 from site_rules where org_id = ${world.org.id}`).toHaveLength(1);
  await screenshot(adminPage, 'site-rules-4-delete-confirmation');
  await adminPage.getByRole('button', { name: 'Delete the rule' }).click();
  await adminPage.waitForURL(`${world.appUrl}/admin/site-rules`);
  expect(await adminPage.getByRole('status').innerText()).toBe('Rule deleted: members of Berlin Office no longer get Berlin HQ from it. 2 members are being updated.');
  expect(await adminPage.locator('main').innerText()).toContain('No rules yet');
  await untilBerlinHq(adaId, false);
  // Grace's role was the admin's decision: it stays.
  expect(await berlinHqOf(graceId)).toEqual([{ role: 'site_admin' }]);

  await adminPage.goto(`${world.appUrl}/admin/members/${adaId}`);
  expect(await adminPage.locator('section[aria-labelledby=sites] li').count()).toBe(0);
  expect(await sitesText()).toContain('Ada Lovelace has no site yet');
  await adminPage.goto(`${world.appUrl}/admin/members/${graceId}`);
  expect(await sitesText()).toContain('Berlin HQ (site admin): granted by Avery Admin');
}, 120_000);

it('the rules page has no serious accessibility violation at 320 px and 1280 px, and fits 320 px', async () => {
  await adminPage.goto(`${world.appUrl}/admin/site-rules`);
  for (const width of [320, 1280]) {
    await adminPage.setViewportSize({ width, height: 800 });
    await expectNoSeriousViolations(adminPage);
    await screenshot(adminPage, `site-rules-5-page-${width}`);
  }
  await expectFitsNarrowScreen(adminPage);
}, 60_000);
