import { mkdtempSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMailPage } from '../dev/mail-page.ts';
import { openMailStore } from '../dev/mail-store.ts';
import { freePort } from '../dev/ports.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { digestEmail } from '../domain/reminder-email.ts';
import { createMailer } from '../worker/mailer.ts';
import { launchChromium } from './support/chromium.ts';

/** The mail page as `npm run dev` wires it: the SMTP sink stores what it receives in the state folder. */
async function startMailPage(dir: string) {
  const store = openMailStore(dir);
  const sink = await startSmtpSink({ onMessage: (mail) => store.add(mail) });
  const port = await freePort();
  const page = await serveMailPage(store, port);
  return {
    sink,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await sink.stop();
      await new Promise((resolve) => page.close(resolve));
    },
  };
}

const stateDir = join(mkdtempSync(join(tmpdir(), 'sso-dev-mail-')), 'mail');
let app: Server;
let appUrl: string;
let browser: Browser;
let running: Awaited<ReturnType<typeof startMailPage>> | undefined;

beforeAll(async () => {
  // Stands in for the admin pages the digest links to: the link must reach it from the sandboxed frame.
  app = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>app</title><p id="path">${req.url}</p>`));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await running?.stop();
  await browser?.close();
  await new Promise((resolve) => app?.close(resolve));
});

async function send(sink: SmtpSink, to: string, content: { subject: string; text: string; html?: string }) {
  const mailer = createMailer(sink.url, 'sso@dev.test');
  await mailer.transport.sendMail({ from: mailer.from, to, ...content });
}

describe('the dev mail page', { timeout: 60_000 }, () => {
  it('lists mail newest first, shows each HTML message sandboxed with working links, and keeps it across a restart', async () => {
    running = await startMailPage(stateDir);
    const links = { member: (id: string) => `${appUrl}/admin/members/${id}`, waitingList: `${appUrl}/admin/members?siteAccess=none` };
    const line = { memberId: 'm1', name: 'Eve <img src=x onerror=alert(1)>', email: 'eve@acme.test', waitingSince: '2026-12-01T09:00:00Z', step: 1, advances: true };
    const digest = digestEmail({ orgName: 'Acme', level: 1, steps: 5, lines: [line], role: 'admin', admins: [], links });
    await send(running.sink, 'first@acme.test', { subject: 'Older <b>plain</b>', text: `Sign in at ${appUrl}/login?email=a&b=<c>` });
    await send(running.sink, 'boss@acme.test', digest);

    const page = await browser.newPage();
    await page.goto(running.url);
    expect(await page.locator('h1').textContent()).toBe('Dev mail (2)');
    expect(await page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual([digest.subject, 'Older <b>plain</b>']);

    await page.getByRole('link', { name: digest.subject }).click();
    const frame = page.locator('iframe');
    expect(await frame.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    const button = page.frameLocator('iframe').getByRole('link', { name: 'Assign sites on the waiting list' });
    const [popup] = await Promise.all([page.waitForEvent('popup'), button.click()]);
    await popup.waitForLoadState();
    expect(await popup.locator('#path').textContent()).toBe('/admin/members?siteAccess=none');
    // The member's name is shown as text, in the frame as on the page: nothing in it runs.
    expect(await page.frameLocator('iframe').getByRole('link', { name: /Eve <img/ }).count()).toBe(1);
    expect(await page.locator('pre').textContent()).toContain('Eve <img src=x onerror=alert(1)> <eve@acme.test>');

    await page.goto(running.url);
    await page.getByRole('link', { name: 'Older <b>plain</b>' }).click();
    expect(await page.locator('iframe').count()).toBe(0);
    expect(await page.getByRole('link', { name: `${appUrl}/login?email=a&b=` }).getAttribute('href')).toBe(`${appUrl}/login?email=a&b=`);

    await running.stop();
    running = await startMailPage(stateDir);
    await page.goto(running.url);
    expect(await page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual([digest.subject, 'Older <b>plain</b>']);
    await page.close();
  });

  it('answers 404 for a message it does not have, including paths that try to leave the mail folder', async () => {
    running ??= await startMailPage(stateDir);
    for (const path of ['/messages/nope', '/messages/..%2F..%2Fdev-instance', '/messages/1700000000000-00000000-0000-0000-0000-000000000000', '/elsewhere']) {
      expect((await fetch(`${running.url}${path}`)).status, path).toBe(404);
    }
  });

  it('answers only to this machine\'s names: a page rebound to 127.0.0.1 by DNS reads no mail', async () => {
    running ??= await startMailPage(stateDir);
    const { port } = new URL(running.url);
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
        }).on('error', reject).end();
      });
    const rebound = await get(`attacker.example:${port}`);
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('<table>');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) expect((await get(host)).status, host).toBe(200);
  });
});
