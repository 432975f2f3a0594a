import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** The little of the DOM these checks touch (the project compiles without the DOM library). */
interface DomElement {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  blur(): void;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<DomElement>; activeElement: DomElement | null; documentElement: { scrollWidth: number } };
declare function getComputedStyle(el: DomElement): { outlineStyle: string; outlineWidth: string };

export const ARTIFACTS = 'test-artifacts/pages';

export function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Email-first sign-in through the test OpenID Provider, as a person does it. */
export async function signInWithChromium(page: Page, appUrl: string, issuer: string, login: string, email: string) {
  await page.goto(`${appUrl}/login`);
  await page.getByLabel('Work email').fill(email);
  await page.getByRole('button', { name: 'Continue' }).click();
  const home = `${appUrl}/`;
  // A second sign-in in the same browser finds the IdP's session and comes straight back.
  await page.waitForURL((url) => url.href.startsWith(`${issuer}/interaction/`) || url.href === home);
  if (page.url() === home) return;
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(home);
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core run inside the page: no serious or critical violation. */
export async function expectNoSeriousViolations(page: Page) {
  await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }> } }).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target) }));
  });
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
}

/** At 320 px nothing makes the page scroll sideways (wide tables scroll inside their own box). */
export async function expectFitsNarrowScreen(page: Page) {
  await page.setViewportSize({ width: 320, height: 640 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  await page.setViewportSize({ width: 1024, height: 768 });
}

/**
 * Tabs from the top of the page until focus comes round again: every link, button and field is
 * reached, each with a visible focus indicator.
 */
export async function expectKeyboardReachesEverything(page: Page) {
  const controls = await page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea'));
    all.forEach((el, i) => el.setAttribute('data-control', String(i)));
    return all.length;
  });
  const reached = new Set<string>();
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < controls + 5; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const style = el ? getComputedStyle(el) : undefined;
      return { id: el?.getAttribute('data-control') ?? null, outline: style ? style.outlineStyle !== 'none' && style.outlineWidth !== '0px' : false };
    });
    if (focused.id === null) continue;
    expect(focused.outline, `control ${focused.id} shows no focus outline`).toBe(true);
    reached.add(focused.id);
  }
  expect(reached.size).toBe(controls);
}
