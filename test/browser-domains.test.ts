/** The /admin/domains page in Chromium: an admin adds a domain, copies its record, and the page passes axe at 320 px. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeOrgAdmin } from '../operator/operations.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { expectFitsNarrowScreen, expectKeyboardReachesEverything, expectNoSeriousViolations, launchChromium, screenshot, signInWithChromium } from './support/chromium.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let browser: Browser;
let page: Page;
let zone: TestDnsServer;

beforeAll(async () => {
  // The domain's checks ask a loopback DNS server, never the machine's resolver.
  zone = await startDnsServer();
  h = await startHarness({ dns: { servers: [zone.server], timeoutMs: 300, tries: 1 } });
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  // A failed claim beside the ones the test adds: every state's row is on the page.
  await h.sql`insert into org_domains (domain, org_id, status, token, checked_at, check_outcome)
              values (${`failed-${world.org.slug}.example`}, ${world.org.id}, 'failed', ${'e'.repeat(32)}, now(), 'other_values')`;
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await browser?.close();
  await world?.stop();
  await h?.stop();
  await zone?.stop();
});

it('adds a domain and shows the record to copy; the page has no serious accessibility violation and fits 320 px', async () => {
  await signInWithChromium(page, world.appUrl, world.idp.issuer, 'boss', `boss@${world.domain}`);
  await page.goto(`${world.appUrl}/admin/domains`);
  const domain = `new-${world.org.slug}.example`;
  await page.getByLabel('Domain', { exact: true }).fill(domain);
  await page.getByRole('button', { name: 'Add domain' }).click();
  await expect.poll(() => page.getByText(`${domain} is added`).count()).toBe(1);
  const section = page.getByRole('region', { name: domain });
  expect(await section.locator('code').allInnerTexts()).toEqual([`_sso-provisioning-challenge.${domain}`, 'TXT', expect.stringMatching(/^sso-provisioning-verification=[0-9a-f]{32}$/)]);
  await screenshot(page, 'admin-domains');
  await expectNoSeriousViolations(page);
  await expectKeyboardReachesEverything(page);
  await page.setViewportSize({ width: 320, height: 800 });
  await expectFitsNarrowScreen(page);
}, 90_000);
