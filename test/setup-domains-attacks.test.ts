import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SmtpSink } from '../dev/smtp-sink.ts';
import { createOrg } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { setupPages, startSetupWorld, type SetupWorld } from './support/setup-pages.ts';
import type { SsoWorld } from './support/sso.ts';
import type { TestHarness } from './support/temporal.ts';

// /setup/domains from outside: domain routes reached with path tricks, as real HTTP
// requests against the running api.
let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let admin: TestBrowser;
let setup: SetupWorld;

beforeAll(async () => {
  setup = await startSetupWorld();
  ({ smtp, h, world, admin } = setup);
});
afterAll(() => setup?.stop());

const { post, get, adminSendsLink, tokenOf } = setupPages(() => ({ sso: world, smtp, admin }));

async function openedSession(email: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  expect((await post(browser, '/setup/open', { token: tokenOf(await adminSendsLink(email)) })).status).toBe(303);
  return browser;
}

it("domain paths with encoded dots, slashes, upper case or a trailing dot reach only the session's own organisation", async () => {
  const contact = await openedSession('it-paths@partner.example');
  const other = await createOrg(h.sql, { slug: uniqueSlug('paths'), name: 'Other' });
  const theirs = `theirs-${other.slug}.example`;
  await h.sql`insert into org_domains (domain, org_id, status, token) values (${theirs}, ${other.id}, 'failed', ${'b'.repeat(32)})`;
  const page = await get(contact, '/setup/domains');
  const theirAudit = () => h.sql`select type from audit_events where org_id = ${other.id} order by id`;
  const auditBefore = await theirAudit();
  for (const path of [theirs.toUpperCase(), `${theirs}.`, theirs.replaceAll('.', '%2E'), `x%2F..%2F${theirs}`, encodeURIComponent(`${theirs} `)]) {
    const refused = await post(contact, `/setup/domains/${path}/check`, {}, page);
    expect({ path, status: refused.status }).toEqual({ path, status: 404 });
  }
  // A control character is refused before any route (the input policy).
  expect((await post(contact, `/setup/domains/${theirs}%00/check`, {}, page)).status).toBe(400);
  expect(await h.sql`select status from org_domains where org_id = ${other.id}`).toEqual([{ status: 'failed' }]);
  expect(await theirAudit()).toEqual(auditBefore);
});

it("a setup form is refused from another origin, without a form token, or with a member's form token, and changes nothing", async () => {
  const contact = await openedSession('it-forms@partner.example');
  const domain = `forms-${world.org.slug}.example`;
  const memberToken = /name="_csrf" value="([^"]+)"/.exec((await get(admin, '/admin/domains')).body)![1]!;
  const setupToken = /name="_csrf" value="([^"]+)"/.exec((await get(contact, '/setup/domains')).body)![1]!;
  const send = (fields: Record<string, string>, origin = world.appUrl) =>
    contact.request(`${world.appUrl}/setup/domains`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  expect((await send({ domain, _csrf: setupToken }, 'https://attacker.example')).status).toBe(403);
  expect((await send({ domain })).status).toBe(403);
  expect((await send({ domain, _csrf: memberToken })).status).toBe(403);
  expect(await h.sql`select 1 from org_domains where domain = ${domain}`).toHaveLength(0);
});
