import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { recordHistory } from './support/histories.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

// Seconds instead of days: the first reminder 4 s into a wait, long enough to disable Dana first.
const env = { REMINDER_SCHEDULE: '4s,30s,60s,90s,120s', REMINDER_DIGEST_WINDOW: '1s' };

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let boss: TestBrowser;
beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness({ smtpUrl: smtp.url, reminders: reminderSettings(env) });
  world = await startSsoWorld(
    h,
    (domain) => [
      { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
      { login: 'dana', email: `dana@${domain}`, email_verified: true, name: 'Dana Disabled' },
      { login: 'wendy', email: `wendy@${domain}`, email_verified: true, name: 'Wendy Waiting' },
    ],
    env,
  );
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  boss = new TestBrowser();
  await world.signIn(boss, 'boss');
}, 60_000);
afterAll(async () => {
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

const api = async (path: string, method = 'GET') => {
  const res = await boss.request(`${world.appUrl}/api/orgs/${world.org.slug}/members${path}`, {
    method,
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  return { status: res.status, json: JSON.parse(res.body) };
};
const waitingEmails = async () => ((await api('?siteAccess=none')).json.members as { email: string }[]).map((m) => m.email).sort();
/** The page's waiting list: the region the page gives it, up to the next table. */
const waitingOnPage = async () => {
  const page = await boss.request(`${world.appUrl}/admin/members`);
  expect(page.status).toBe(200);
  const start = page.body.indexOf('aria-label="Waiting for site access"');
  return start < 0 ? '' : page.body.slice(start, page.body.indexOf('</table>', start));
};
const digestsNaming = (email: string) =>
  smtp.messages.filter((m) => [m.to].flat().some((to) => to?.value.some((v) => v.address === `boss@${world.domain}`)) && m.text?.includes(email));
/** Temporal's answer, by describe and by the operators' visibility filter (README). */
/** SiteAccessPending of a member's lifecycle; undefined while it has not started (a sign-in starts it just after answering). */
const pendingOf = async (memberId: string) =>
  (await h.client.workflow.getHandle(memberWorkflowId(world.org.slug, memberId)).describe().catch(() => undefined))?.typedSearchAttributes.get(searchAttributes.siteAccessPending);
const listedAsPending = async () => {
  const ids: string[] = [];
  for await (const wf of h.client.workflow.list({ query: `OrgSlug = "${world.org.slug}" AND SiteAccessPending = true` })) ids.push(wf.workflowId);
  return ids.sort();
};

it('a disabled member is not waiting in the API, the page, the digest and Temporal, and waits again when enabled', async () => {
  await world.signIn(new TestBrowser(), 'dana');
  const [dana] = await h.sql<{ id: string; email: string }[]>`select id, email from members where org_id = ${world.org.id} and email = ${`dana@${world.domain}`}`;
  expect((await api(`/${dana!.id}/disable`, 'POST')).json).toMatchObject({ status: 'disabled', changed: true });
  await world.signIn(new TestBrowser(), 'wendy');
  const [wendy] = await h.sql<{ id: string; email: string }[]>`select id, email from members where org_id = ${world.org.id} and email = ${`wendy@${world.domain}`}`;
  const danaLifecycle = memberWorkflowId(world.org.slug, dana!.id);
  const wendyLifecycle = memberWorkflowId(world.org.slug, wendy!.id);

  // The API: the digest's link lists Wendy alone; Dana has no wait and counts as not waiting.
  expect(await waitingEmails()).toEqual([wendy!.email]);
  expect((await api(`/${dana!.id}`)).json).toMatchObject({ member: { status: 'disabled', waitingForSiteSince: null }, reminders: null });
  expect(((await api('?siteAccess=some')).json.members as { email: string }[]).map((m) => m.email)).toContain(dana!.email);
  // The page: Dana is not in the waiting list, Wendy is.
  const waitingList = await waitingOnPage();
  expect(waitingList).toContain('Wendy Waiting');
  expect(waitingList).not.toContain('Dana Disabled');
  // Temporal: the disable took SiteAccessPending down with it, by describe and by the operators' filter.
  expect(await eventually(async () => ((await pendingOf(dana!.id)) === false ? false : undefined))).toBe(false);
  expect(await eventually(async () => ((await listedAsPending()).join() === wendyLifecycle ? true : undefined))).toBe(true);
  // The digest names Wendy, never Dana.
  await eventually(async () => digestsNaming(wendy!.email)[0], 20_000);
  expect(digestsNaming(dana!.email)).toEqual([]);

  // Enabled again without a site: waiting again, from the wait's first moment, everywhere.
  expect((await api(`/${dana!.id}/enable`, 'POST')).json).toMatchObject({ status: 'active', changed: true });
  expect(await waitingEmails()).toEqual([dana!.email, wendy!.email].sort());
  const [{ created }] = await h.sql<[{ created: Date }]>`select created_at as created from members where id = ${dana!.id}`;
  expect((await api(`/${dana!.id}`)).json.member.waitingForSiteSince).toBe(created.toISOString());
  expect(await waitingOnPage()).toContain('Dana Disabled');
  expect(await eventually(async () => ((await listedAsPending()).length === 2 ? listedAsPending() : undefined))).toEqual([danaLifecycle, wendyLifecycle].sort());
  expect(await pendingOf(dana!.id)).toBe(true);
  // Dana's first reminder is long due: the enable tells the reminders, and a digest names her.
  await eventually(async () => digestsNaming(dana!.email)[0], 20_000);
  await recordHistory(h.client.workflow.getHandle(danaLifecycle), 'member-lifecycle-disabled-not-waiting');
}, 90_000);

it('a member whose lifecycle first starts while disabled waits once an admin enables them', async () => {
  // As the directory can create someone: disabled from the start, so no lifecycle has seen them wait.
  const [member] = await h.sql<{ id: string; email: string }[]>`
    insert into members (org_id, email, name, source, status, directory_state)
    values (${world.org.id}, ${`late@${world.domain}`}, 'Late Starter', 'directory', 'disabled', 'inactive') returning id, email`;
  expect(await waitingEmails()).not.toContain(member!.email);
  // The enable starts the lifecycle (update-with-start); it reads the wait's clock, not only a wait.
  expect((await api(`/${member!.id}/enable`, 'POST')).json).toMatchObject({ status: 'active', changed: true });
  expect(await waitingEmails()).toContain(member!.email);
  expect(await eventually(async () => ((await pendingOf(member!.id)) === true ? true : undefined))).toBe(true);
}, 60_000);
