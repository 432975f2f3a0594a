/**
 * An organisation's IT contact sets it up from the emailed setup link, in Chromium, as issue 17
 * describes: a domain pending → its TXT record created on the (real, loopback) DNS server →
 * verified; the OIDC connection saved, tested through the real identity provider and made live;
 * then the first just-in-time sign-in on the new domain works, and a person on a domain still
 * pending is refused.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOidcProvider, type RunningIdp } from '../dev/oidc-provider.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { createOrg, type Org } from '../operator/operations.ts';
import { sendSetupLinkFor } from '../operator/setup-links.ts';
import { expectNoSeriousViolations, launchChromium, screenshot, signInWithChromium } from './support/chromium.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let smtp: SmtpSink;
let zone: TestDnsServer;
let h: TestHarness;
/** Serves the api; the organisation under setup is another one, with no single sign-on yet. */
let world: SsoWorld;
let org: Org;
let idp: RunningIdp;
let browser: Browser;
const slug = uniqueSlug('walk');
const domain = `walk-${slug}.example`;
const pendingDomain = `later-${slug}.example`;

beforeAll(async () => {
  [smtp, zone] = await Promise.all([startSmtpSink(), startDnsServer()]);
  h = await startHarness({ smtpUrl: smtp.url, dns: { servers: [zone.server], timeoutMs: 300, tries: 1 } });
  world = await startSsoWorld(h, () => [], { SMTP_URL: smtp.url });
  org = await createOrg(h.sql, { slug, name: 'Walkthrough Ltd' });
  idp = await startOidcProvider({
    accounts: [
      { login: 'it-tester', email: `tester@${domain}`, email_verified: true, name: 'IT Tester' },
      { login: 'newhire', email: `newhire@${domain}`, email_verified: true, name: 'New Hire' },
      { login: 'pat', email: `pat@${pendingDomain}`, email_verified: true, name: 'Pat Pending' },
    ],
    clients: [{ client_id: 'walkthrough-app', client_secret: 'walkthrough-secret', redirect_uris: [`${world.appUrl}/auth/${slug}/callback`] }],
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await browser?.close();
  await idp?.stop();
  await world?.stop();
  await h?.stop();
  await Promise.all([smtp?.stop(), zone?.stop()]);
});

/** At the identity provider's login and consent pages, as a person: back on our origin afterwards. */
async function signInAtIdp(page: Page, login: string) {
  await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`));
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.href.startsWith(world.appUrl));
}

it('the IT contact verifies a domain and connects single sign-on from the emailed link; then the first sign-in on that domain works', async () => {
  const setup = await (await browser.newContext()).newPage();
  await sendSetupLinkFor(h.sql, world.config, { org: slug, email: 'it@walkthrough.example' });
  const mail = await eventually(async () => smtp.messages.find((m) => m.text?.includes('/setup/open?token=') && m.text.includes('Walkthrough Ltd')));
  await setup.goto(/http:\/\/\S+\/setup\/open\?token=\S+/.exec(mail.text!)![0]);
  await setup.getByRole('button', { name: 'Open the setup pages' }).click();
  await setup.waitForURL(`${world.appUrl}/setup`);

  // Domains: both added; only the first gets its record.
  await setup.getByRole('link', { name: 'Domains' }).first().click();
  for (const name of [domain, pendingDomain]) {
    await setup.getByLabel('Domain', { exact: true }).fill(name);
    await setup.getByRole('button', { name: 'Add domain' }).click();
    await expect.poll(() => setup.getByText(`${name} is added`).count()).toBe(1);
  }
  const section = setup.getByRole('region', { name: domain });
  const status = section.locator(`[id="status-${domain}"]`);
  expect(await status.innerText()).toBe('pending: waiting for the DNS record');
  const recordName = await section.locator(`[id="record-name-${domain}"]`).innerText();
  const recordValue = await section.locator(`[id="record-value-${domain}"]`).innerText();
  expect(recordName).toBe(`_sso-provisioning-challenge.${domain}`);
  zone.setTxt(recordName, [recordValue]);
  await section.getByRole('button', { name: `Check now: ${domain}` }).click();
  await expect.poll(() => setup.getByRole('region', { name: domain }).locator(`[id="status-${domain}"]`).innerText(), { timeout: 30_000 }).toBe('verified (DNS)');
  await screenshot(setup, 'walkthrough-domain-verified');

  // Single sign-on: the redirect URI to register, a draft, a test sign-in through the IdP, go live.
  await setup.getByRole('link', { name: 'Single sign-on (OIDC)' }).first().click();
  await expect.poll(() => setup.locator('#redirect-uri').innerText()).toBe(`${world.appUrl}/auth/${slug}/callback`);
  await setup.getByLabel('Issuer URL').fill(idp.issuer);
  await setup.getByLabel('Client id').fill('walkthrough-app');
  await setup.getByLabel('Client secret').fill('walkthrough-secret');
  await setup.getByRole('button', { name: 'Save the draft' }).click();
  await expect.poll(() => setup.getByRole('button', { name: 'Go live: replace the live connection' }).isDisabled()).toBe(true);
  expect(await setup.content()).not.toContain('walkthrough-secret');
  await setup.getByRole('button', { name: 'Test sign-in' }).click();
  await signInAtIdp(setup, 'it-tester');
  await expect.poll(() => setup.getByText('The test sign-in succeeded').count()).toBe(1);
  expect(await setup.getByText('Create a new Member').count()).toBeGreaterThan(0);
  expect(await h.sql`select 1 from members where org_id = ${org.id}`).toHaveLength(0);
  await expectNoSeriousViolations(setup);
  await screenshot(setup, 'walkthrough-test-sign-in');
  await setup.getByRole('button', { name: 'Go live: replace the live connection' }).click();
  await expect.poll(async () => (await h.sql`select 1 from sso_connections where org_id = ${org.id} and issuer = ${idp.issuer}`).length).toBe(1);

  // The first just-in-time sign-in on the verified domain, in another browser.
  const person = await (await browser.newContext()).newPage();
  await signInWithChromium(person, world.appUrl, idp.issuer, 'newhire', `newhire@${domain}`);
  const me = await person.request.get(`${world.appUrl}/api/me`);
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ member: { email: `newhire@${domain}`, status: 'active' }, org: { slug }, orgRole: 'member', sites: [] });

  // A person on the domain still pending is refused at the callback, and nothing is created for them.
  const pending = await (await browser.newContext()).newPage();
  await pending.goto(`${world.appUrl}/auth/${slug}/login`);
  await signInAtIdp(pending, 'pat');
  await expect.poll(() => pending.getByText('Your email domain is not verified for this organisation').count()).toBe(1);
  expect(await h.sql`select 1 from members where org_id = ${org.id} and email = ${`pat@${pendingDomain}`}`).toHaveLength(0);
}, 180_000);
