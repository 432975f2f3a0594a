import { expect } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../dev/smtp-sink.ts';
import type { IdpAccount } from '../../dev/oidc-provider.ts';
import { makeOrgAdmin } from '../../operator/operations.ts';
import { TestBrowser, type Page } from './browser.ts';
import { startSsoWorld, type SsoWorld } from './sso.ts';
import { eventually, startHarness, type TestHarness } from './temporal.ts';

export interface SetupWorld {
  smtp: SmtpSink;
  h: TestHarness;
  world: SsoWorld;
  /** Signed in as `boss`, the organisation's org admin, who sends setup links. */
  admin: TestBrowser;
  stop(): Promise<void>;
}

/** An SSO organisation whose org admin `boss` is signed in, mailing through a loopback SMTP sink; `more` are further IdP accounts. */
export async function startSetupWorld(more: (domain: string) => IdpAccount[] = () => []): Promise<SetupWorld> {
  const smtp = await startSmtpSink();
  const h = await startHarness();
  const world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }, ...more(domain)], { SMTP_URL: smtp.url });
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  const admin = new TestBrowser();
  await world.signIn(admin, 'boss');
  return {
    smtp,
    h,
    world,
    admin,
    async stop() {
      await world.stop();
      await h.stop();
      await smtp.stop();
    },
  };
}

/**
 * The setup pages as a browser uses them: form posts from our pages (same origin, the page's form
 * token), setup links mailed by an org admin. `world` is read lazily: test files start it in beforeAll.
 */
export function setupPages(world: () => { sso: SsoWorld; smtp: SmtpSink; admin: TestBrowser }) {
  const url = (path: string) => `${world().sso.appUrl}${path}`;
  const formToken = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';

  async function post(browser: TestBrowser, path: string, fields: Record<string, string>, from?: Page) {
    const body = new URLSearchParams({ ...(from ? { _csrf: formToken(from) } : {}), ...fields });
    return browser.request(url(path), { method: 'POST', headers: { origin: world().sso.appUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: body.toString() });
  }
  const get = (browser: TestBrowser, path: string) => browser.request(url(path), { headers: { accept: 'text/html' } });

  /** The setup link in the newest email to `address` after the first `after` messages, once it has arrived. */
  const linkMailedTo = (address: string, after = 0) =>
    eventually(async () => {
      const mail = world().smtp.messages.slice(after).findLast((m) => [m.to].flat().some((to) => to?.value.some((v) => v.address === address)));
      return mail?.text?.match(/http:\/\/\S+\/setup\/open\?token=\S+/)?.[0];
    });

  /** The admin sends `email` a setup link from /admin/setup; resolves to the link as mailed. */
  async function adminSendsLink(email: string): Promise<string> {
    const before = world().smtp.messages.length;
    const setupPage = await get(world().admin, '/admin/setup');
    expect(setupPage.status).toBe(200);
    const sent = await post(world().admin, '/admin/setup/links', { email }, setupPage);
    expect(sent.status).toBe(303);
    return linkMailedTo(email, before);
  }

  return { url, post, get, linkMailedTo, adminSendsLink, tokenOf: (link: string) => new URL(link).searchParams.get('token')! };
}
