import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { expectFitsNarrowScreen, expectKeyboardReachesEverything, expectNoSeriousViolations, launchChromium, screenshot, signInWithChromium } from './support/chromium.ts';
import { scimOverHttp } from './support/scim.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let browser: Browser;
let adminPage: Page;
let itPage: Page;
let link: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }], { SMTP_URL: smtp.url });
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  browser = await launchChromium();
  adminPage = await (await browser.newContext()).newPage();
  itPage = await (await browser.newContext()).newPage();
});
afterAll(async () => {
  await browser?.close();
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

/** axe at both widths, and nothing scrolls sideways at 320 px. */
async function checkPage(page: Page) {
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await expectNoSeriousViolations(page);
  }
  await expectFitsNarrowScreen(page);
}

describe('setup pages in Chromium, from the emailed link', () => {
  it('an admin sends a setup link; the IT contact opens it, creates a SCIM token and adds a colleague', async () => {
    await signInWithChromium(adminPage, world.appUrl, world.idp.issuer, 'boss', `boss@${world.domain}`);
    await adminPage.goto(`${world.appUrl}/admin/setup`);
    await checkPage(adminPage);
    await adminPage.getByLabel("IT contact's email").fill('it@partner.example');
    await adminPage.getByRole('button', { name: 'Send a setup link' }).click();
    await adminPage.waitForURL(`${world.appUrl}/admin/setup`);
    expect(await adminPage.getByRole('status').innerText()).toContain('A setup link is on its way to it@partner.example');
    await screenshot(adminPage, 'setup-1-admin-sent-link');

    const mail = await eventually(async () => smtp.messages.find((m) => m.text?.includes('/setup/open?token=')));
    link = /http:\/\/\S+\/setup\/open\?token=\S+/.exec(mail.text!)![0];
    await itPage.goto(link);
    await checkPage(itPage);
    await itPage.getByRole('button', { name: 'Open the setup pages' }).click();
    await itPage.waitForURL(`${world.appUrl}/setup`);
    expect(await itPage.getByRole('heading', { level: 1 }).innerText()).toBe(`Setup of ${world.org.name}`);
    await checkPage(itPage);
    await expectKeyboardReachesEverything(itPage);
    await screenshot(itPage, 'setup-2-overview');

    await itPage.getByRole('link', { name: 'Directory sync (SCIM)' }).first().click();
    await checkPage(itPage);
    await itPage.getByLabel(/Name \(optional/).fill('Okta production');
    await itPage.getByRole('button', { name: 'Create a SCIM token' }).click();
    const token = await itPage.getByLabel('Your new SCIM token').inputValue();
    expect(token).toMatch(/^scim_/);
    expect((await scimOverHttp(world.appUrl, token, 'GET', '/Users')).status).toBe(200);
    await checkPage(itPage);
    await screenshot(itPage, 'setup-3-scim-token-shown-once');

    await itPage.getByRole('link', { name: 'IT contacts' }).click();
    await itPage.getByLabel('Email').fill('colleague@partner.example');
    await itPage.getByLabel('Name').fill('Col League');
    await itPage.getByRole('button', { name: 'Add' }).click();
    await itPage.waitForURL(`${world.appUrl}/setup/it-contacts`);
    expect(await itPage.getByRole('status').innerText()).toBe('colleague@partner.example is now an IT contact.');
    expect(await itPage.getByRole('region', { name: 'IT contacts' }).innerText()).toContain('Col League');
    await checkPage(itPage);
    await screenshot(itPage, 'setup-4-it-contacts');

    await adminPage.goto(`${world.appUrl}/admin/setup`);
    const activity = await adminPage.locator('main').innerText();
    expect(activity).toContain('Directory token created (by IT contact it@partner.example)');
    expect(activity).toContain('IT contact colleague@partner.example added (by IT contact it@partner.example)');
    await screenshot(adminPage, 'setup-5-admin-setup-activity');
  }, 120_000);

  it('a double click on Rotate posts once: the page shows the new token, not the 409 a second post earns', async () => {
    const before = await itPage.goto(`${world.appUrl}/setup/scim`);
    expect(before?.status()).toBe(200);
    const answers: number[] = [];
    itPage.on('response', (response) => {
      if (response.url().endsWith('/setup/scim/rotate')) answers.push(response.status());
    });
    // A person's double click: the second press lands while the first post is on its way.
    const box = (await itPage.getByRole('button', { name: /^Rotate/ }).boundingBox())!;
    await itPage.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await itPage.waitForTimeout(30);
    await itPage.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const token = await itPage.getByLabel('Your new SCIM token').inputValue();
    expect(answers).toEqual([201]);
    expect((await scimOverHttp(world.appUrl, token, 'GET', '/Users')).status).toBe(200);
  }, 60_000);

  it('the used link, opened again, says so and what to do, with no serious violation', async () => {
    const again = await (await browser.newContext()).newPage();
    const answer = await again.goto(link);
    expect(answer?.status()).toBe(410);
    expect(await again.locator('main').innerText()).toContain('Ask an admin of your organisation to send you a new setup link');
    await checkPage(again);
  }, 60_000);
});
