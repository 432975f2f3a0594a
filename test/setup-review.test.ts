import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpSink } from '../dev/smtp-sink.ts';
import { removeItContact } from '../db/it-contacts.ts';
import { createOrg } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { scimOverHttp } from './support/scim.ts';
import type { SsoWorld } from './support/sso.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { setupPages, startSetupWorld, type SetupWorld } from './support/setup-pages.ts';
import type { TestHarness } from './support/temporal.ts';

// Second review of issue 17's setup half: races on the setup link, the SCIM token and IT
// contacts, sent as real concurrent HTTP requests against the running api.

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let admin: TestBrowser;
let setup: SetupWorld;

beforeAll(async () => {
  setup = await startSetupWorld((domain) => [{ login: 'plain', email: `plain@${domain}`, email_verified: true, name: 'Plain Member' }]);
  ({ smtp, h, world, admin } = setup);
});
afterAll(() => setup?.stop());

const { url, post, get, adminSendsLink, tokenOf } = setupPages(() => ({ sso: world, smtp, admin }));

async function openedSession(email: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  expect((await post(browser, '/setup/open', { token: tokenOf(await adminSendsLink(email)) })).status).toBe(303);
  return browser;
}

describe('setup races, as concurrent requests', () => {
  it('two POSTs of one link at once: exactly one session opens, the other is told the link was used', async () => {
    for (let round = 0; round < 5; round++) {
      const token = tokenOf(await adminSendsLink(`it-race-${round}@partner.example`));
      const browsers = [new TestBrowser(), new TestBrowser(), new TestBrowser()];
      const answers = await Promise.all(browsers.map((b) => post(b, '/setup/open', { token })));
      expect(answers.map((a) => a.status).sort()).toEqual([303, 410, 410]);
      expect(browsers.filter((b) => b.cookie(world.appUrl, 'setup-session'))).toHaveLength(1);
      expect(await h.sql`select 1 from setup_sessions s join setup_links l on l.id = s.setup_link_id where l.email = ${`it-race-${round}@partner.example`}`).toHaveLength(1);
    }
  });

  it('a revocation racing the opening of the link leaves no usable setup session', async () => {
    for (let round = 0; round < 5; round++) {
      const email = `it-revoke-race-${round}@partner.example`;
      const token = tokenOf(await adminSendsLink(email));
      const [row] = await h.sql<{ id: string }[]>`select id from setup_links where email = ${email}`;
      const adminPage = await get(admin, '/admin/setup');
      const contact = new TestBrowser();
      const [opened, revoked] = await Promise.all([post(contact, '/setup/open', { token }), post(admin, `/admin/setup/links/${row!.id}/revoke`, {}, adminPage)]);
      expect(revoked.status).toBe(303);
      expect([303, 410]).toContain(opened.status);
      expect((await get(contact, '/setup')).status).toBe(401);
    }
  });

  /** The setup SCIM page and the id of the live token its rotate form names. */
  const scimPage = async (contact: TestBrowser) => {
    const page = await get(contact, '/setup/scim');
    return { page, replaces: /name="replaces" value="([^"]+)"/.exec(page.body)?.[1] ?? '' };
  };

  it('two rotations of the SCIM token at once (a double click) rotate once: one new token shown, and it works', async () => {
    const contact = await openedSession('it-rotate@partner.example');
    expect((await post(contact, '/setup/scim/create', { name: 'first' }, await get(contact, '/setup/scim'))).status).toBe(201);
    for (let round = 0; round < 5; round++) {
      const { page, replaces } = await scimPage(contact);
      const answers = await Promise.all([post(contact, '/setup/scim/rotate', { replaces }, page), post(contact, '/setup/scim/rotate', { replaces }, page)]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
      expect(await h.sql`select 1 from scim_tokens where org_id = ${world.org.id} and revoked_at is null`).toHaveLength(1);
      const shown = answers.flatMap((a) => /value="(scim_[^"]+)"/.exec(a.body)?.[1] ?? []);
      expect(shown).toHaveLength(1);
      expect((await scimOverHttp(world.appUrl, shown[0]!, 'GET', '/Users')).status).toBe(200);
    }
  });

  it('a revocation racing a rotation from the same page: exactly one of them acts, and never says "no live token" while one stays live', async () => {
    const contact = await openedSession('it-revoke-rotate@partner.example');
    await h.sql`update scim_tokens set revoked_at = now() where org_id = ${world.org.id} and revoked_at is null`;
    expect((await post(contact, '/setup/scim/create', {}, await get(contact, '/setup/scim'))).status).toBe(201);
    for (let round = 0; round < 10; round++) {
      const { page, replaces } = await scimPage(contact);
      const [rotated, revoked] = await Promise.all([post(contact, '/setup/scim/rotate', { replaces }, page), post(contact, '/setup/scim/revoke', { revokes: replaces }, page)]);
      const live = await h.sql`select 1 from scim_tokens where org_id = ${world.org.id} and revoked_at is null`;
      // Rotated first, the revocation finds another token live and leaves it; revoked first, the rotation finds its token gone.
      expect([[201, 409, 1], [409, 303, 0]]).toContainEqual([rotated.status, revoked.status, live.length]);
      if (live.length === 0) expect((await post(contact, '/setup/scim/create', {}, page)).status).toBe(201);
    }
  });

  it('two IT contacts removing each other at once leave one contact, never none', async () => {
    const org = world.org.id;
    for (let round = 0; round < 5; round++) {
      const [a, b] = [`it-a-${round}@partner.example`, `it-b-${round}@partner.example`];
      const browserA = await openedSession(a);
      const browserB = await openedSession(b);
      // Only these two remain.
      await h.sql`delete from it_contacts where org_id = ${org} and email not in (${a}, ${b})`;
      const ids = Object.fromEntries((await h.sql<{ id: string; email: string }[]>`select id, email from it_contacts where org_id = ${org}`).map((c) => [c.email, c.id]));
      const [pageA, pageB] = await Promise.all([get(browserA, '/setup/it-contacts'), get(browserB, '/setup/it-contacts')]);
      const answers = await Promise.all([post(browserA, `/setup/it-contacts/${ids[b]}/remove`, {}, pageA), post(browserB, `/setup/it-contacts/${ids[a]}/remove`, {}, pageB)]);
      // The loser is refused as the last contact (409), or finds its session ended with its contact (401).
      const statuses = answers.map((x) => x.status).sort();
      expect(statuses[0]).toBe(303);
      expect([401, 409]).toContain(statuses[1]);
      expect(await h.sql`select 1 from it_contacts where org_id = ${org}`).toHaveLength(1);
    }
  });

  it('two removals at once reaching the database (each the other contact) leave one contact', async () => {
    for (let round = 0; round < 10; round++) {
      const org = await createOrg(h.sql, { slug: uniqueSlug('race'), name: 'Race' });
      const rows = await h.sql<{ id: string }[]>`insert into it_contacts (org_id, email) values (${org.id}, 'a@race.example'), (${org.id}, 'b@race.example') returning id`;
      const outcomes = await Promise.all(rows.map((r) => removeItContact(h.sql, { orgId: org.id, id: r.id, actor: 'operator' })));
      expect(outcomes.sort()).toEqual(['last_contact', 'removed']);
      expect(await h.sql`select 1 from it_contacts where org_id = ${org.id}`).toHaveLength(1);
    }
  });
});

describe('setup session ends for good', () => {
  it('a removed IT contact\'s setup session stays ended when the address is made an IT contact again', async () => {
    const email = 'it-stolen-laptop@partner.example';
    const stolen = await openedSession(email);
    const keeper = await openedSession('it-keeper@partner.example');
    const page = await get(keeper, '/setup/it-contacts');
    const [row] = await h.sql<{ id: string }[]>`select id from it_contacts where org_id = ${world.org.id} and email = ${email}`;
    expect((await post(keeper, `/setup/it-contacts/${row!.id}/remove`, {}, page)).status).toBe(303);
    expect((await get(stolen, '/setup')).status).toBe(401);
    // Later the address is an IT contact again (re-added on the page, or sent a new link).
    expect((await post(keeper, '/setup/it-contacts', { email }, page)).status).toBe(303);
    expect((await get(stolen, '/setup')).status).toBe(401);
  });

  it('a removed IT contact\'s unopened link does not open once the address is an IT contact again', async () => {
    const email = 'it-left-company@partner.example';
    const pending = tokenOf(await adminSendsLink(email));
    const keeper = await openedSession('it-keeper-2@partner.example');
    const page = await get(keeper, '/setup/it-contacts');
    const [row] = await h.sql<{ id: string }[]>`select id from it_contacts where org_id = ${world.org.id} and email = ${email}`;
    expect((await post(keeper, `/setup/it-contacts/${row!.id}/remove`, {}, page)).status).toBe(303);
    expect((await post(keeper, '/setup/it-contacts', { email }, page)).status).toBe(303);
    const browser = new TestBrowser();
    expect((await post(browser, '/setup/open', { token: pending })).status).toBe(410);
    expect((await get(browser, '/setup')).status).toBe(401);
  });

  it('the setup session cookie opens no SCIM endpoint', async () => {
    const contact = await openedSession('it-no-scim@partner.example');
    expect((await contact.request(url('/scim/v2/Users'))).status).toBe(401);
  });

  it('a cross-site POST of a link (login CSRF) is refused and consumes nothing', async () => {
    const email = 'it-csrf@partner.example';
    const token = tokenOf(await adminSendsLink(email));
    const victim = new TestBrowser();
    const forged = await victim.request(url('/setup/open'), { method: 'POST', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    expect(forged.status).toBe(403);
    const noOrigin = await victim.request(url('/setup/open'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    expect(noOrigin.status).toBe(403);
    expect(victim.cookie(world.appUrl, 'setup-session')).toBeUndefined();
    const [link] = await h.sql<{ usedAt: Date | null }[]>`select used_at as "usedAt" from setup_links where email = ${email}`;
    expect(link!.usedAt).toBeNull();
  });
});

describe('/admin/setup is for org admins of their own organisation', () => {
  it('a plain member can neither see it nor send or revoke a link with it', async () => {
    const member = new TestBrowser();
    await world.signIn(member, 'plain');
    const home = await get(member, '/');
    expect(home.status).toBe(200);
    expect((await get(member, '/admin/setup')).status).toBe(403);
    expect((await post(member, '/admin/setup/links', { email: 'it-by-plain@partner.example' }, home)).status).toBe(403);
    expect(await h.sql`select 1 from setup_links where email = 'it-by-plain@partner.example'`).toHaveLength(0);
    await adminSendsLink('it-kept@partner.example');
    const [row] = await h.sql<{ id: string }[]>`select id from setup_links where email = 'it-kept@partner.example'`;
    expect((await post(member, `/admin/setup/links/${row!.id}/revoke`, {}, home)).status).toBe(403);
    const [after] = await h.sql<{ revokedAt: Date | null }[]>`select revoked_at as "revokedAt" from setup_links where id = ${row!.id}`;
    expect(after!.revokedAt).toBeNull();
  });
});

describe('names and addresses from a setup session are text, never markup', () => {
  it('an IT contact address carrying HTML is refused, and a token name carrying HTML comes out escaped on the setup and admin pages', async () => {
    const contact = await openedSession('it-markup@partner.example');
    const email = '<img/src=x/onerror=alert(1)>@partner.example';
    const name = '<script>alert(2)</script>';
    const contactsPage = await get(contact, '/setup/it-contacts');
    expect((await post(contact, '/setup/it-contacts', { email, name }, contactsPage)).status).toBe(400);
    expect(await h.sql`select 1 from it_contacts where email = ${email}`).toHaveLength(0);
    await h.sql`update scim_tokens set revoked_at = now() where org_id = ${world.org.id} and revoked_at is null`;
    expect((await post(contact, '/setup/scim/create', { name }, await get(contact, '/setup/scim'))).status).toBe(201);
    for (const page of [await get(contact, '/setup/it-contacts'), await get(contact, '/setup/scim'), await get(admin, '/admin/setup')]) {
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('<script>alert');
    }
    expect((await get(contact, '/setup/scim')).body).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  });
});

describe('an IT contact address is where the mail goes', () => {
  it('an address with mail syntax in it (name<addr>) is refused, not recorded as one address and mailed to another', async () => {
    const before = smtp.messages.length;
    const sent = await post(admin, '/admin/setup/links', { email: 'it-desk.partner.example<it@attacker.example>' }, await get(admin, '/admin/setup'));
    // Today: 303, the IT contact reads "it-desk.partner.example<it@attacker.example>" and the link goes to it@attacker.example.
    expect(sent.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mailedTo = smtp.messages.slice(before).flatMap((m) => [m.to].flat().flatMap((to) => to?.value.map((v) => v.address) ?? []));
    expect(mailedTo).not.toContain('it@attacker.example');
  });
});
