import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [{ login: 'alice', email: `alice@${domain}`, email_verified: true, name: 'Alice' }]);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await world?.stop();
  await h?.stop();
});

it('a new employee signs in from the email page in Chromium and lands on the member home, which says there is no site yet', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${world.appUrl}/login`);
  await page.getByLabel('Work email').fill(`alice@${world.domain}`);
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL(`${world.idp.issuer}/interaction/**`);
  await page.locator('input[name=login]').fill('alice');
  await page.locator('input[name=password]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL(`${world.appUrl}/`);
  expect(await page.getByRole('heading', { level: 2 }).innerText()).toBe("You don't have site access yet");
  await page.goto(`${world.appUrl}/api/me`);
  const me = JSON.parse((await page.locator('body').innerText()).trim());
  expect(me).toMatchObject({ member: { email: `alice@${world.domain}` }, orgRole: 'member', sites: [] });

  const cookies = await context.cookies(world.appUrl);
  expect(cookies.find((c) => c.name === 'session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  await context.close();
});
