/**
 * /setup/domains in Chromium: the IT contact copies the TXT record with the copy button (the real
 * clipboard), and a pending domain turns verified on the page, without a reload, once the record
 * appears and the workflow verifies it. The SCIM page's copy button too; axe and 320 px.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { challengeRecord } from '../domain/domain-verification.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { sendSetupLinkFor } from '../operator/setup-links.ts';
import { requestDomainCheck } from '../temporal/domain-verification.ts';
import { expectFitsNarrowScreen, expectKeyboardReachesEverything, expectNoSeriousViolations, launchChromium, screenshot } from './support/chromium.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let smtp: SmtpSink;
let zone: TestDnsServer;
let h: TestHarness;
let world: SsoWorld;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [smtp, zone] = await Promise.all([startSmtpSink(), startDnsServer()]);
  h = await startHarness({ smtpUrl: smtp.url, dns: { servers: [zone.server], timeoutMs: 300, tries: 1 } });
  world = await startSsoWorld(h, () => [], { SMTP_URL: smtp.url });
  browser = await launchChromium();
  context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.appUrl });
  page = await context.newPage();
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await browser?.close();
  await world?.stop();
  await h?.stop();
  await Promise.all([smtp?.stop(), zone?.stop()]);
});

const clipboard = () => page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());

it('the IT contact copies the record, and the pending domain turns verified on the page without a reload', async () => {
  await sendSetupLinkFor(h.sql, world.config, { org: world.org.slug, email: 'it@partner.example' });
  const mail = await eventually(async () => smtp.messages.find((m) => m.text?.includes('/setup/open?token=')));
  await page.goto(/http:\/\/\S+\/setup\/open\?token=\S+/.exec(mail.text!)![0]);
  await page.getByRole('button', { name: 'Open the setup pages' }).click();
  await page.waitForURL(`${world.appUrl}/setup`);
  await page.getByRole('link', { name: 'Domains' }).first().click();

  const domain = `browser-${world.org.slug}.example`;
  await page.getByLabel('Domain', { exact: true }).fill(domain);
  await page.getByRole('button', { name: 'Add domain' }).click();
  await expect.poll(() => page.getByText(`${domain} is added`).count()).toBe(1);
  const [row]: [{ token: string }] = await h.sql`select token from org_domains where org_id = ${world.org.id} and domain = ${domain}`;
  const record = challengeRecord(domain, row.token);

  const section = page.getByRole('region', { name: domain });
  await section.getByRole('button', { name: `Copy record value of ${domain}` }).click();
  await expect.poll(() => section.getByText('Copied').count()).toBe(1);
  expect(await clipboard()).toBe(record.value);
  await section.getByRole('button', { name: `Copy record name of ${domain}` }).click();
  expect(await clipboard()).toBe(record.name);
  await screenshot(page, 'setup-domains-pending');
  await expectNoSeriousViolations(page);
  await expectKeyboardReachesEverything(page);
  await expectFitsNarrowScreen(page);

  // Marks this document: a reload or navigation would lose the mark.
  await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
  const status = section.locator(`[id="status-${domain}"]`);
  expect(await status.innerText()).toBe('pending: waiting for the DNS record');
  zone.setTxt(record.name, [record.value]);
  // The workflow's own check (as another tab's "Check now" would ask for it): the page is not touched.
  await requestDomainCheck(h.client, h.taskQueue, { org: world.org, domain });
  await expect.poll(() => status.innerText(), { timeout: 30_000 }).toBe('verified (DNS)');
  expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  expect(await section.locator(`[id="last-check-${domain}"]`).innerText()).toContain('the record was found');
  await screenshot(page, 'setup-domains-verified');
}, 120_000);

it('the SCIM page copies the base URL and the new token', async () => {
  await page.getByRole('link', { name: 'Directory sync (SCIM)' }).first().click();
  await page.getByRole('button', { name: 'Copy the SCIM base URL' }).click();
  expect(await clipboard()).toBe(`${world.appUrl}/scim/v2`);
  await page.getByRole('button', { name: 'Create a SCIM token' }).click();
  await page.getByRole('button', { name: 'Copy the new SCIM token' }).click();
  const token = await clipboard();
  expect(token).toMatch(/^scim_/);
  expect(token).toBe(await page.getByLabel('Your new SCIM token').inputValue());
  await expectNoSeriousViolations(page);
}, 60_000);
