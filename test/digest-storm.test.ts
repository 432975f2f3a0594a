import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { loadConfig } from '../config/index.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import { TestBrowser } from './support/browser.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { okta } from './support/scim-fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

/**
 * Many organisations' first digests falling due at one moment (a deploy, the hourly sweep, timers
 * after an outage) with a slow mail server, on a worker with the production pool and concurrency:
 * every digest goes out once, and the worker keeps serving sign-ins and deactivations meanwhile.
 */
/** DIGEST_STORM_ORGS=200 for the storm of issue 15 part 3. */
const ORGS = Number(process.env.DIGEST_STORM_ORGS ?? 50);
const ADMINS = ['boss', 'deputy'];
const SMTP_MS_PER_RECIPIENT = 300;
/** As if every email went out one after the other, plus a margin for a busy machine: a hang, not slowness, fails the test. */
const STORM_BOUND_MS = 30_000 + ORGS * ADMINS.length * SMTP_MS_PER_RECIPIENT;

let h: TestHarness;
let smtp: SmtpSink;
let world: SsoWorld;
let scimToken: string;
/** While set, the mail server answers no recipient until it settles (a stalled mail server); `held` counts those waiting. */
let stall: Promise<void> | undefined;
let held = 0;
beforeAll(async () => {
  smtp = await startSmtpSink({
    recipientDelayMs: SMTP_MS_PER_RECIPIENT,
    beforeRecipient: async () => {
      if (!stall) return;
      held++;
      await stall;
      held--;
    },
  });
  h = await startHarness({ smtpUrl: smtp.url, reminders: reminderSettings({ REMINDER_SCHEDULE: '1s,1h,2h,3h,4h', REMINDER_DIGEST_WINDOW: '1s' }) });
  world = await startSsoWorld(h, (domain) => [
    { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada Newcomer' },
    { login: 'dana', email: `dana@${domain}`, email_verified: true, name: 'Dana Leaver' },
    { login: 'eli', email: `eli@${domain}`, email_verified: true, name: 'Eli Leaver' },
  ]);
  scimToken = (await createScimToken(h.sql, { org: world.org.slug })).token;
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

/** An organisation with two admins (the recipients) and one member whose first reminder is due now. */
async function orgWithDueReminder() {
  const org = await insertOrg(h.sql);
  const admins = await Promise.all(ADMINS.map((login) => insertMember(h.sql, org.id, `${login}@${org.slug}.test`, { orgRole: 'org_admin' })));
  await h.sql`
    insert into members (org_id, email, name, source, site_access_pending_since)
    values (${org.id}, ${`newcomer@${org.slug}.test`}, 'Newcomer', 'jit', now() - interval '10 seconds')`;
  return { org, recipients: admins.map((a) => a.email) };
}

const recipientsOf = (mail: ParsedMail) => [mail.to].flat().flatMap((to) => to?.value.map((v) => v.address ?? '') ?? []);
const received = (address: string) => smtp.messages.filter((mail) => recipientsOf(mail).includes(address)).length;

async function scim(method: string, path: string, body?: unknown) {
  const res = await fetch(`${world.appUrl}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${scimToken}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { id: string } };
}

const me = (browser: TestBrowser) => browser.request(`${world.appUrl}/api/me`);

/** Someone the directory knows, signed in: the one a deactivation during the storm removes. */
async function signedInDirectoryUser(login: string) {
  const created = await scim('POST', '/Users', okta.create(`${login}@${world.domain}`, `ext-${login}`, login, 'Leaver'));
  expect(created.status).toBe(201);
  const browser = new TestBrowser();
  await world.signIn(browser, login);
  expect((await me(browser)).status).toBe(200);
  return { id: created.body.id, browser };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}

it(
  `sends ${ORGS} digests due at once exactly once each, while a first sign-in and a SCIM deactivation go through`,
  async () => {
    const orgs = await Promise.all(Array.from({ length: ORGS }, orgWithDueReminder));
    const allRecipients = orgs.flatMap((o) => o.recipients);
    // Dana signed in and is known to the directory before the storm; the storm is when the directory removes her.
    const dana = await signedInDirectoryUser('dana');
    const danaBrowser = dana.browser;

    const stormStarted = performance.now();
    const now = new Date().toISOString();
    await Promise.all(orgs.map(({ org }) => nudgeReminders(h.client, { orgId: org.id, orgSlug: org.slug }, h.taskQueue, { dueAt: now })));
    // Under way: the first messages are arriving, most digests are still to go.
    await eventually(async () => (smtp.messages.length > 0 ? true : undefined), 30_000);

    const [signIn, deactivation] = await Promise.all([
      timed(() => world.signIn(new TestBrowser(), 'ada')),
      timed(async () => {
        const off = await scim('PATCH', `/Users/${dana.id}`, okta.setActive(false));
        expect(off.status).toBe(200);
        return eventually(async () => ((await me(danaBrowser)).status === 401 ? true : undefined), 40_000);
      }),
    ]);
    const inFlight = allRecipients.filter((address) => received(address) === 0).length;

    await eventually(async () => (allRecipients.every((address) => received(address) > 0) ? true : undefined), STORM_BOUND_MS);
    const stormMs = Math.round(performance.now() - stormStarted);
    console.info(
      `digest storm: ${ORGS} orgs, ${allRecipients.length} recipients at ${SMTP_MS_PER_RECIPIENT} ms each: all sent in ${stormMs} ms; ` +
        `first sign-in ${signIn.ms} ms, SCIM deactivation to session rejected ${deactivation.ms} ms (${inFlight} emails still to go when both were done)`,
    );

    expect(signIn.value.url).toBe(`${world.appUrl}/api/me`);
    expect(signIn.value.status).toBe(200);
    const [danaRow]: [{ status: string }] = await h.sql`select status from members where org_id = ${world.org.id} and email = ${`dana@${world.domain}`}`;
    expect(danaRow.status).toBe('disabled');

    // Exactly once: every recipient got one message, and the email log agrees (no attempt sent one twice).
    const logged = await h.sql<{ address: string; sent: number }[]>`
      select to_addresses[1] as address, count(*)::int as sent from email_log
      where kind = 'site_access_reminder' and status = 'sent' and org_id = any(${orgs.map((o) => o.org.id)}::uuid[])
      group by 1`;
    expect(Object.fromEntries(logged.map((row) => [row.address, row.sent]))).toEqual(Object.fromEntries(allRecipients.map((a) => [a, 1])));
    expect(Object.fromEntries(allRecipients.map((a) => [a, received(a)]))).toEqual(Object.fromEntries(allRecipients.map((a) => [a, 1])));
  },
  STORM_BOUND_MS + 90_000,
);

it('revokes a deactivated member’s session while every digest the worker can run is stalled at the mail server', async () => {
  const { activities, mail } = loadConfig({}).workerConcurrency;
  // More digests than the worker has activity slots of any kind: whichever slots digests can take, they take them all.
  const orgs = await Promise.all(Array.from({ length: activities + mail }, orgWithDueReminder));
  const eli = await signedInDirectoryUser('eli');
  let release = () => {};
  stall = new Promise((resolve) => (release = resolve));
  try {
    const now = new Date().toISOString();
    await Promise.all(orgs.map(({ org }) => nudgeReminders(h.client, { orgId: org.id, orgSlug: org.slug }, h.taskQueue, { dueAt: now })));
    await eventually(async () => (held >= mail ? true : undefined), 30_000);

    const off = await scim('PATCH', `/Users/${eli.id}`, okta.setActive(false));
    expect(off.status).toBe(200);
    // Well inside the mail client's 30 s socket timeout, after which a stalled digest would fail and free its slot.
    await eventually(async () => ((await me(eli.browser)).status === 401 ? true : undefined), 15_000);
    const [eliRow]: [{ status: string }] = await h.sql`select status from members where org_id = ${world.org.id} and email = ${`eli@${world.domain}`}`;
    expect(eliRow.status).toBe('disabled');
    // Not one digest got through: the deactivation did not wait for mail.
    expect(held).toBeGreaterThanOrEqual(mail);
    expect(orgs.flatMap((o) => o.recipients).filter((address) => received(address) > 0)).toEqual([]);
  } finally {
    stall = undefined;
    release();
  }
  const recipients = orgs.flatMap((o) => o.recipients);
  await eventually(async () => (recipients.every((address) => received(address) > 0) ? true : undefined), STORM_BOUND_MS);
  expect(Object.fromEntries(recipients.map((a) => [a, received(a)]))).toEqual(Object.fromEntries(recipients.map((a) => [a, 1])));
}, 120_000);
