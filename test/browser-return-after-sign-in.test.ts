import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { expectFitsNarrowScreen, expectNoSeriousViolations, launchChromium, screenshot } from './support/chromium.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let browser: Browser;
let newbieId: string;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
    { login: 'newbie', email: `newbie@${domain}`, email_verified: true, name: 'New Bie' },
  ]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  await world.signIn(new TestBrowser(), 'newbie');
  const [row] = await h.sql<{ id: string }[]>`select id from members where org_id = ${world.org.id} and email = ${`newbie@${world.domain}`}`;
  newbieId = row!.id;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await world?.stop();
  await h?.stop();
});

/** axe-core finds no serious or critical violation at a phone's 320 px and a desktop's 1280 px. */
async function expectAccessibleAtBothWidths(page: Page, name: string) {
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await expectNoSeriousViolations(page);
    await screenshot(page, `journey-${name}-${width}`);
  }
  await expectFitsNarrowScreen(page);
}

/**
 * Words a table cell shows across two lines ("Mem" / "ber"); scrolling tables keep every word whole.
 * A break after a hyphen (acme-/corp.test) is the line-breaking rules' own and is allowed.
 */
const WORDS_BROKEN_IN_TABLES = `(() => {
  const broken = [];
  for (const cell of document.querySelectorAll('th, td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
})()`;

/** WCAG contrast ratio of an rgb() colour against white. */
function contrastWithWhite(rgb: string): number {
  const [r, g, b] = rgb.match(/\d+/g)!.slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return 1.05 / (luminance + 0.05);
}

describe('an org admin who follows a member link while signed out, in Chromium', () => {
  it('signs in keeping the prefilled email at the IdP and lands on the member page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.appUrl}/admin/members/${newbieId}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Please sign in');
    await expectAccessibleAtBothWidths(page, 'please-sign-in');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(`${world.appUrl}/login?next=${encodeURIComponent(`/admin/members/${newbieId}`)}`);
    await expectAccessibleAtBothWidths(page, 'sign-in');
    // The autofocused empty field is outlined in a colour that does not say "error", and visibly so.
    const ring = await page.evaluate('getComputedStyle(document.activeElement).outlineColor');
    expect(ring).not.toBe('rgb(179, 38, 30)');
    expect(contrastWithWhite(ring as string)).toBeGreaterThanOrEqual(3);

    await page.getByLabel('Work email').fill(`boss@${world.domain}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${world.idp.issuer}/interaction/**`);
    // The dev IdP prefills the email (login_hint): keeping it signs in.
    expect(await page.locator('input[name=login]').inputValue()).toBe(`boss@${world.domain}`);
    await page.locator('input[name=password]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL(`${world.appUrl}/admin/members/${newbieId}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('New Bie');

    // An error page keeps the header, leads back to where the admin was, and ends with the request id.
    await page.goto(`${world.appUrl}/admin/members`);
    await page.evaluate(`location.href = '/admin/members/6be494c1-89a8-4183-9986-f66290770d07'`);
    await page.waitForURL('**/admin/members/6be494c1-89a8-4183-9986-f66290770d07');
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Back to the page you were on' }).waitFor();
    expect(await page.locator('main p').last().innerText()).toMatch(/^Request id: \S+/);
    await expectAccessibleAtBothWidths(page, 'error-page');
    await page.getByRole('link', { name: 'Back to the page you were on' }).click();
    await page.waitForURL(`${world.appUrl}/admin/members`);

    // At 320 px the members tables scroll in their box: no word is split over two lines.
    await page.setViewportSize({ width: 320, height: 800 });
    expect(await page.locator('table').count()).toBeGreaterThan(0);
    expect(await page.evaluate(WORDS_BROKEN_IN_TABLES)).toEqual([]);
    await screenshot(page, 'journey-members-320');
    await context.close();
  });

  it('cancelling at the IdP says so, offers to try again, and passes axe at both widths', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.appUrl}/auth/${world.org.slug}/login?next=%2Fadmin%2Fmembers`);
    await page.waitForURL(`${world.idp.issuer}/interaction/**`);
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.waitForURL(`${world.appUrl}/auth/${world.org.slug}/callback**`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign-in cancelled');
    await expectAccessibleAtBothWidths(page, 'cancelled');
    await page.getByRole('link', { name: 'Try signing in again' }).click();
    await page.waitForURL(`${world.idp.issuer}/interaction/**`);
    await context.close();
  });

  it('the organisation form for an invited guest passes axe at both widths', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.appUrl}/login?email=guest%40partner.example&next=%2Fadmin%2Fmembers`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('No single sign-on for partner.example');
    await expectAccessibleAtBothWidths(page, 'organisation-form');
    await context.close();
  });
});
