import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { expectFitsNarrowScreen, expectKeyboardReachesEverything, expectNoSeriousViolations, launchChromium, screenshot, signInWithChromium } from './support/chromium.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

// Seconds instead of days, through the same config as production.
const env = { REMINDER_SCHEDULE: '2s,30s,60s,90s,120s', REMINDER_DIGEST_WINDOW: '1s' };

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let browser: Browser;
let employee: BrowserContext;
let admin: BrowserContext;
let employeePage: Page;
let adminPage: Page;
let newbieId: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness({ smtpUrl: smtp.url, reminders: reminderSettings(env) });
  world = await startSsoWorld(
    h,
    (domain) => [
      { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
      { login: 'newbie', email: `newbie@${domain}`, email_verified: true, name: 'New Bie' },
    ],
    env,
  );
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  const [site] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${world.org.id}, 'Harbour Office') returning id`;
  await h.sql`insert into announcements (org_id, site_id, title, body) values (${world.org.id}, ${site!.id}, 'Fire drill on Friday', 'Meet at the car park.')`;
  await h.sql`insert into visitors (org_id, site_id, name, company, host, expected_at) values (${world.org.id}, ${site!.id}, 'Vera Visitor', 'Partner Ltd', 'The Boss', now() + interval '1 day')`;
  browser = await launchChromium();
  // Two time zones: each page shows times in its viewer's own zone (api/pages/local-time.ts).
  employee = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  admin = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
  employeePage = await employee.newPage();
  adminPage = await admin.newPage();
});
afterAll(async () => {
  await browser?.close();
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

const bossMailAbout = (email: string) =>
  smtp.messages.find((m) => [m.to].flat().some((to) => to?.value.some((v) => v.address === `boss@${world.domain}`)) && m.text?.includes(email));

describe('member and admin pages in Chromium', () => {
  it('a new employee waits for a site, the admin follows the reminder link and assigns one, the employee sees its content', async () => {
    // The org admin has signed in before: there is someone to remind.
    await signInWithChromium(adminPage, world.appUrl, world.idp.issuer, 'boss', `boss@${world.domain}`);
    await signInWithChromium(employeePage, world.appUrl, world.idp.issuer, 'newbie', `newbie@${world.domain}`);
    await expect.poll(() => employeePage.getByRole('heading', { name: "You don't have site access yet" }).count()).toBe(1);
    await screenshot(employeePage, '1-member-no-site-access');

    const mail = await eventually(async () => bossMailAbout(`newbie@${world.domain}`), 30_000);
    const linked = /https?:\/\/\S+(\/admin\/members\/([0-9a-f-]{36}))/.exec(mail.text ?? '');
    expect(linked).not.toBeNull();
    // The digest links to PUBLIC_URL of the worker's config; this test's app listens on its own port.
    const link = `${world.appUrl}${linked![1]}`;
    newbieId = linked![2]!;
    await employeePage.reload();
    const waiting = await employeePage.locator('main').innerText();
    // In the viewer's zone (Berlin: CET), with how long ago; each time said once.
    expect(waiting).toMatch(/Your admins were notified on \d{1,2} \w{3} \d{4}, \d\d:\d\d CET \((just now|\d+ minutes? ago|less than a minute ago)\)/);
    expect(waiting).not.toContain('UTC');
    expect(await employeePage.locator('main time').count()).toBeLessThanOrEqual(2);
    await screenshot(employeePage, '2-member-admins-notified');

    await adminPage.goto(`${world.appUrl}/admin/members`);
    const waitingTable = adminPage.getByRole('region', { name: 'Waiting for site access' });
    expect(await waitingTable.innerText()).toMatch(/New Bie[\s\S]*waiting for (less than a minute|\d+ minutes?)/);
    expect(await waitingTable.innerText()).not.toContain('The Boss');
    await screenshot(adminPage, '3a-admin-members-waiting-first');
    await adminPage.goto(link);
    await expect.poll(() => adminPage.getByRole('heading', { name: 'New Bie' }).count()).toBe(1);
    // The page leads with sites and the assign form; status comes later and Disable is no button of it.
    const headings = await adminPage.getByRole('heading', { level: 2 }).allInnerTexts();
    expect(headings[0]).toBe('Sites');
    expect(headings.findIndex((t) => t.startsWith('Status'))).toBeGreaterThan(0);
    expect(await adminPage.getByRole('button', { name: /Disable/ }).count()).toBe(0);
    expect(await adminPage.locator('main').innerText()).toContain('Signed in through SSO');
    expect(await adminPage.locator('main').innerText()).not.toMatch(/\bjit\b/);
    expect(await adminPage.locator('#reminders').locator('..').innerText()).toContain('Reminders sent about this member: 1');
    await screenshot(adminPage, '3-admin-member-page-from-reminder');
    await adminPage.locator('select[name=siteId]').selectOption({ label: 'Harbour Office' });
    await adminPage.locator('select[name=role]').selectOption('site_member');
    await adminPage.getByRole('button', { name: 'Assign site' }).click();
    await adminPage.waitForURL(link);
    expect(await adminPage.getByRole('status').innerText()).toBe('New Bie can now see Harbour Office as a site member.');
    const assigned = await adminPage.locator('main').innerText();
    expect(assigned).toContain('Harbour Office (site member)');
    expect(await adminPage.getByRole('region', { name: 'Timeline' }).innerText()).toMatch(/The Boss gave them access to Harbour Office as a site member/);
    expect(assigned).toMatch(/Signed in for the first time through .+ SSO/);
    expect(assigned).toMatch(/Reminder 1 of 5 sent to boss@/);
    expect(assigned).not.toMatch(/site_assignment|[0-9a-f]{8}-[0-9a-f]{4}-|null|\[\]/);
    // New York viewer: local times, never UTC.
    expect(assigned).toMatch(/E[SD]T/);
    expect(assigned).not.toContain('UTC');
    await screenshot(adminPage, '4-admin-assigned-site');

    await employeePage.reload();
    const home = await employeePage.locator('main').innerText();
    expect(home).toContain('Harbour Office');
    expect(home).toContain('Fire drill on Friday');
    expect(home).toContain('Vera Visitor');
    await screenshot(employeePage, '5-member-home-with-site');
  }, 90_000);

  it('the member home, the admin pages and the sign-in page have no serious accessibility violation and fit 320 px', async () => {
    for (const [page, path] of [
      [employeePage, '/'],
      [adminPage, `/admin/members/${newbieId}`],
      [adminPage, '/admin/members'],
      [adminPage, '/admin/invitations'],
      [adminPage, '/login'],
    ] as const) {
      await page.goto(`${world.appUrl}${path}`);
      await expectNoSeriousViolations(page);
      await expectFitsNarrowScreen(page);
    }
  }, 60_000);

  it('the member page and its disable confirmation have no serious or critical axe violation at 320 px and at 1280 px', async () => {
    for (const path of [`/admin/members/${newbieId}`, `/admin/members/${newbieId}/disable`]) {
      for (const width of [320, 1280]) {
        await adminPage.setViewportSize({ width, height: 800 });
        await adminPage.goto(`${world.appUrl}${path}`);
        await expectNoSeriousViolations(adminPage);
      }
    }
    await adminPage.setViewportSize({ width: 1024, height: 768 });
  }, 60_000);

  it('the keyboard alone reaches every control on the admin member page and the member home, with a visible focus', async () => {
    await adminPage.goto(`${world.appUrl}/admin/members/${newbieId}`);
    await expectKeyboardReachesEverything(adminPage);
    await employeePage.goto(`${world.appUrl}/`);
    await expectKeyboardReachesEverything(employeePage);
  }, 60_000);

  it('a member who opens an admin page gets a 403 page', async () => {
    const answer = await employeePage.goto(`${world.appUrl}/admin/members/${newbieId}`);
    expect(answer?.status()).toBe(403);
    expect(await employeePage.locator('main').innerText()).toContain('Only an org admin');
    await screenshot(employeePage, '6-member-refused-admin-page');
  });

  it('refuses a form post without the form token and changes nothing', async () => {
    await adminPage.goto(`${world.appUrl}/admin/members/${newbieId}`);
    const roleForm = adminPage.locator(`form[action="/admin/members/${newbieId}/role"]`);
    await roleForm.locator('input[name=_csrf]').evaluate((input) => input.remove());
    await roleForm.getByLabel('Org role').selectOption('org_admin');
    const answer = adminPage.waitForResponse((res) => res.url().endsWith('/role'));
    await roleForm.getByRole('button', { name: 'Change role' }).click();
    expect((await answer).status()).toBe(403);
    expect(await adminPage.locator('main').innerText()).toContain('did not come from a page of your current session');
    const [row] = await h.sql<{ orgRole: string }[]>`select org_role as "orgRole" from members where id = ${newbieId}`;
    expect(row!.orgRole).toBe('member');
    await screenshot(adminPage, '7-form-without-token-refused');
  });

  it('the admin disables the member through a confirmation step, whose next request lands on a disabled page; following the directory lets them back in', async () => {
    await adminPage.goto(`${world.appUrl}/admin/members/${newbieId}`);
    expect(await adminPage.locator('main').innerText()).toContain('Active: no directory manages them and no admin has disabled them.');
    await adminPage.getByRole('link', { name: 'Disable New Bie…' }).click();
    await adminPage.waitForURL(`${world.appUrl}/admin/members/${newbieId}/disable`);
    expect(await adminPage.getByRole('heading', { level: 1 }).innerText()).toBe('Disable New Bie?');
    expect(await adminPage.locator('main').innerText()).toContain('they are signed out at once and cannot sign in');
    const [before] = await h.sql<{ status: string }[]>`select status from members where id = ${newbieId}`;
    expect(before!.status).toBe('active');
    await adminPage.getByLabel('Reason (optional)').fill('left the project');
    await adminPage.getByRole('button', { name: 'Disable New Bie' }).click();
    await adminPage.waitForURL(`${world.appUrl}/admin/members/${newbieId}`);
    expect(await adminPage.getByRole('status').innerText()).toBe('New Bie is disabled: left the project.');
    const disabled = await adminPage.locator('main').innerText();
    expect(disabled).toContain('Status: disabled');
    expect(disabled).toContain('Disabled by The Boss: “left the project”; although no directory manages them, this decision stands until an admin follows the directory again.');
    expect(disabled).toContain('Follow the directory: the admin decision is dropped and, as no directory manages them, they become active again.');
    expect(await adminPage.getByRole('region', { name: 'Timeline' }).innerText()).toContain('Disabled by The Boss: left the project');
    // Refused actions are not offered; the page says why.
    expect(await adminPage.getByRole('button', { name: 'Assign site' }).count()).toBe(0);
    expect(await adminPage.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect(disabled).toContain('Sites cannot be changed while New Bie is disabled');
    await screenshot(adminPage, '8-admin-disabled-member');
    await adminPage.goto(`${world.appUrl}/admin/members`);
    await adminPage.getByLabel('Status').selectOption('disabled');
    await adminPage.getByRole('button', { name: 'Filter' }).click();
    await adminPage.waitForURL(/status=disabled/);
    expect(await adminPage.getByRole('region', { name: 'Members' }).innerText()).toMatch(/New Bie[\s\S]*disabled \(manual\)/);
    await adminPage.getByRole('link', { name: 'New Bie' }).click();

    const answer = await employeePage.reload();
    expect(answer?.status()).toBe(403);
    expect(await employeePage.getByRole('heading', { level: 1 }).innerText()).toBe('Your account is disabled');
    await screenshot(employeePage, '9-member-account-disabled');

    await adminPage.getByRole('button', { name: 'Follow the directory' }).click();
    await adminPage.waitForURL(`${world.appUrl}/admin/members/${newbieId}`);
    const followed = await adminPage.locator('main').innerText();
    expect(followed).toContain('Status: active');
    expect(await adminPage.getByRole('status').innerText()).toBe('New Bie follows the directory again and is active.');
    expect(followed).toContain('Active: no directory manages them and no admin has disabled them.');
    expect(followed).toContain('Enabled when The Boss handed the decision back to the directory');
    await screenshot(adminPage, '10-admin-follows-directory');

    await signInWithChromium(employeePage, world.appUrl, world.idp.issuer, 'newbie', `newbie@${world.domain}`);
    expect(await employeePage.locator('main').innerText()).toContain('Fire drill on Friday');
  }, 60_000);

  it('pages through the members list with a next-page link that keeps the filters', async () => {
    await adminPage.goto(`${world.appUrl}/admin/members?siteAccess=some&limit=1`);
    const rows = () => adminPage.getByRole('region', { name: 'Members' }).locator('tbody tr').allInnerTexts();
    const first = await rows();
    expect(first).toHaveLength(1);
    await adminPage.getByRole('link', { name: 'Next page' }).click();
    await adminPage.waitForURL(/cursor=/);
    expect(adminPage.url()).toContain('siteAccess=some');
    const second = await rows();
    expect(second).toHaveLength(1);
    expect([...first, ...second].join('\n')).toMatch(/New Bie[\s\S]*The Boss/);
    expect(await adminPage.getByRole('link', { name: 'Next page' }).count()).toBe(0);
  });

  it('the admin invites someone from the invitations page, sees it pending, and revokes it', async () => {
    await adminPage.goto(`${world.appUrl}/admin/invitations`);
    await adminPage.getByLabel('Email').fill('guest@partner.example');
    await adminPage.getByLabel('Org role').selectOption('org_admin');
    await adminPage.getByRole('button', { name: 'Invite' }).click();
    await adminPage.waitForURL(`${world.appUrl}/admin/invitations`);
    expect(await adminPage.getByRole('status').innerText()).toBe('guest@partner.example is invited as an org admin; the invitation email is on its way.');
    const table = adminPage.getByRole('region', { name: 'Invitations' });
    expect(await table.innerText()).toMatch(/guest@partner\.example\s+org admin\s+pending/);
    await eventually(async () => smtp.messages.find((m) => [m.to].flat().some((to) => to?.value.some((v) => v.address === 'guest@partner.example'))));
    await adminPage.getByRole('button', { name: 'Revoke the invitation of guest@partner.example' }).click();
    await adminPage.waitForURL(`${world.appUrl}/admin/invitations`);
    expect(await table.innerText()).toMatch(/guest@partner\.example\s+org admin\s+revoked/);
    expect(await adminPage.getByRole('status').innerText()).toBe('The invitation of guest@partner.example is revoked; its link no longer works.');
    await screenshot(adminPage, '11-admin-invitation-revoked');
  });

  it('signs out with the button and lands on the sign-in page', async () => {
    await employeePage.getByRole('button', { name: 'Sign out' }).click();
    await employeePage.waitForURL(`${world.appUrl}/login`);
    const answer = await employeePage.goto(`${world.appUrl}/`);
    expect(answer?.status()).toBe(401);
  });
});
