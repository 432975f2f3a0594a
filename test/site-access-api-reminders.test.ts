import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

// Seconds instead of days, through the same config as production.
const env = { REMINDER_SCHEDULE: '2s,5s,8s,11s,14s', REMINDER_DIGEST_WINDOW: '1s' };

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
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
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

const mailsToBossAbout = (email: string) =>
  smtp.messages.filter((m) => [m.to].flat().some((to) => to?.value.some((v) => v.address === `boss@${world.domain}`)) && m.text?.includes(email));

it('an assignment through the member API stops the reminders, updates the lifecycle and the member view', async () => {
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  const boss = new TestBrowser();
  await world.signIn(boss, 'boss');
  await world.signIn(new TestBrowser(), 'newbie');
  const [newbie] = await h.sql<{ id: string; email: string }[]>`
    select id, email from members where org_id = ${world.org.id} and email = ${`newbie@${world.domain}`}`;
  const [site] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${world.org.id}, 'HQ') returning id`;
  const api = (path: string, init: RequestInit = {}) =>
    boss.request(`${world.appUrl}/api/orgs/${world.org.slug}/members/${newbie!.id}${path}`, {
      ...init,
      headers: { origin: world.appUrl, 'content-type': 'application/json' },
    });

  const waiting = await eventually(async () => {
    const view = JSON.parse((await api('')).body);
    return view.reminders ? view : undefined;
  });
  expect(waiting.reminders).toMatchObject({ nextStep: 1, nextRecipients: [`boss@${world.domain}`] });

  const first = await eventually(async () => mailsToBossAbout(newbie!.email)[0]);
  expect(first.subject).toBeTruthy();
  const lifecycle = h.client.workflow.getHandle(memberWorkflowId(world.org.slug, newbie!.id));

  const granted = await api('/sites', { method: 'PUT', body: JSON.stringify({ sites: [{ siteId: site!.id, role: 'site_member' }] }) });
  expect(granted.status).toBe(200);
  // At once, whether or not the workflow has read the grant yet.
  expect(JSON.parse((await api('')).body).reminders).toBeNull();
  const pending = await eventually(async () => {
    const value = (await lifecycle.describe()).typedSearchAttributes.get(searchAttributes.siteAccessPending);
    return value === false ? value : undefined;
  });
  expect(pending).toBe(false);
  expect(JSON.parse((await api('')).body).reminders).toBeNull();

  // Past the second step: no further reminder names the member.
  await sleep(7_000);
  expect(mailsToBossAbout(newbie!.email)).toHaveLength(1);
  await lifecycle.terminate('test finished');
}, 60_000);
