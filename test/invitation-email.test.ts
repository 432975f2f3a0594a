import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../dev/ports.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { startInvitationEmail } from '../temporal/invitation-email.ts';
import { invitationWorkflowId } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { recordHistory } from './support/histories.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

// The worker's SMTP server is down until a real one is started on this port, where nothing listens before.
let smtpPort: number;
let smtp: SmtpSink | undefined;
let h: TestHarness;
let world: SsoWorld;
let admin: TestBrowser;

beforeAll(async () => {
  smtpPort = await freePort();
  h = await startHarness({ smtpUrl: `smtp://127.0.0.1:${smtpPort}` });
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  admin = new TestBrowser();
  await world.signIn(admin, 'boss');
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
  admin.request(`${world.appUrl}/api/orgs/${world.org.slug}/invitations${path}`, {
    method: init.method ?? 'GET',
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

async function invite(email: string): Promise<string> {
  const created = await api('', { method: 'POST', body: { email } });
  expect(created.status).toBe(201);
  return JSON.parse(created.body).invitation.id;
}

const emailWorkflow = (invitationId: string) => h.client.workflow.getHandle(invitationWorkflowId(world.org.slug, invitationId));

/** Resolves once a send attempt has failed: SMTP really is down for this invitation. */
const sendFailedOnce = (invitationId: string) =>
  eventually(async () => {
    const { raw } = await emailWorkflow(invitationId).describe();
    return raw.pendingActivities?.some((a) => a.lastFailure) ? true : undefined;
  });

/** An invitation written straight to the database, for expiries the api never issues. */
async function insertInvitation(email: string, expiresIn: string) {
  const [row]: [{ id: string; expiresAt: Date }] = await h.sql`
    insert into invitations (org_id, email, org_role, expires_at)
    values (${world.org.id}, ${email}, 'member', now() + ${expiresIn}::interval)
    returning id, expires_at as "expiresAt"`;
  return row;
}

const startEmail = (invitation: { id: string; email: string; expiresAt: Date }) =>
  startInvitationEmail(
    h.client,
    { taskQueue: h.taskQueue, publicUrl: new URL(world.appUrl) },
    { org: world.org, invitation: { ...invitation, orgRole: 'member' } },
  );

const mailsTo = (address: string) => (smtp?.messages ?? []).filter((m) => m.text?.includes(`(${address})`));

/** Invitations whose email must never go out: address => invitation id. */
const unsent = new Map<string, string>();

describe('invitation email during an SMTP outage', () => {
  it('a revoke cancels the email: the workflow ends quietly', async () => {
    const id = await invite('revoked-in-outage@partner.example');
    unsent.set('revoked-in-outage@partner.example', id);
    await sendFailedOnce(id);
    expect((await api(`/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await emailWorkflow(id).result()).toBe('cancelled');
    await recordHistory(emailWorkflow(id), 'send-invitation-cancelled');
  });

  it('a revoke whose cancel never reached Temporal is honoured at the next attempt', async () => {
    const id = await invite('revoked-quietly@partner.example');
    unsent.set('revoked-quietly@partner.example', id);
    await sendFailedOnce(id);
    // What DELETE commits before it cancels: the next attempt must see it even without the cancel.
    await h.sql`update invitations set status = 'revoked', revoked_at = now() where id = ${id}`;
    expect(await emailWorkflow(id).result()).toBe('revoked');
    await recordHistory(emailWorkflow(id), 'send-invitation-revoked');
  });

  it('stops retrying at the expiry', async () => {
    const invitation = await insertInvitation('expires-in-outage@partner.example', '3 seconds');
    unsent.set('expires-in-outage@partner.example', invitation.id);
    const handle = await startEmail({ ...invitation, email: 'expires-in-outage@partner.example' });
    expect(await handle.result()).toBe('expired');
    await recordHistory(handle, 'send-invitation-expired-in-outage');
  });
});

describe('invitation email once SMTP is back', () => {
  beforeAll(async () => {
    smtp = await startSmtpSink({ port: smtpPort });
  });

  it('delivers a pending invitation exactly once, also when the request is repeated', async () => {
    const address = 'welcome@partner.example';
    const id = await invite(address);
    expect(await emailWorkflow(id).result()).toBe('sent');
    await recordHistory(emailWorkflow(id), 'send-invitation-checked-sent');
    expect((await api('', { method: 'POST', body: { email: address } })).status).toBe(200);
    expect(await emailWorkflow(id).result()).toBe('sent');
    expect(mailsTo(address)).toHaveLength(1);
    expect(mailsTo(address)[0]!.text).toContain(`${world.appUrl}/auth/${world.org.slug}/login?login_hint=welcome%40partner.example`);
  });

  it('does not mail an invitation that has expired, and the workflow stops', async () => {
    const expiredInDb = await insertInvitation('expired-in-db@partner.example', '-1 minute');
    // The database decides: the workflow's copy of the expiry may be later than the row's.
    const handle = await startEmail({ ...expiredInDb, email: 'expired-in-db@partner.example', expiresAt: new Date(Date.now() + 86_400_000) });
    expect(await handle.result()).toBe('expired');

    const expired = await insertInvitation('expired@partner.example', '-1 minute');
    expect(await (await startEmail({ ...expired, email: 'expired@partner.example' })).result()).toBe('expired');
    expect(mailsTo('expired-in-db@partner.example')).toHaveLength(0);
    expect(mailsTo('expired@partner.example')).toHaveLength(0);
  });

  it('never sends what was revoked or expired during the outage: those workflows are over', async () => {
    expect(unsent.size).toBe(3);
    for (const [address, id] of unsent) {
      expect((await emailWorkflow(id).describe()).status.name).toBe('COMPLETED');
      expect(mailsTo(address)).toHaveLength(0);
    }
    const logged = await h.sql`select 1 from email_log where to_addresses && ${[...unsent.keys()]}::text[] and status = 'sent'`;
    expect(logged).toHaveLength(0);
  });
});
