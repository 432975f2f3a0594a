import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { invitationWorkflowId } from '../workflows/definitions.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let smtp: SmtpSink;
let world: SsoWorld;
let admin: TestBrowser;

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness({ smtpUrl: smtp.url });
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
    { login: 'member', email: `member@${domain}`, email_verified: true, name: 'Plain Member' },
    { login: 'contractor', email: 'contractor@partner.example', email_verified: true, name: 'Contractor' },
    { login: 'lateadmin', email: `lateadmin@${domain}`, email_verified: true, name: 'Late Admin' },
    { login: 'stranger', email: 'stranger@partner.example', email_verified: true, name: 'Stranger' },
  ]);
  // The operator names the first org admin before they ever signed in.
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  admin = new TestBrowser();
  await world.signIn(admin, 'boss');
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

const api = (browser: TestBrowser, path: string, init: { method?: string; body?: unknown } = {}) =>
  browser.request(`${world.appUrl}/api/orgs/${world.org.slug}/invitations${path}`, {
    method: init.method ?? 'GET',
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

describe('invitations beside JIT', () => {
  it('makes the person the operator invited as org admin an org admin at first sign-in', async () => {
    const me = JSON.parse((await admin.request(`${world.appUrl}/api/me`)).body);
    expect(me.orgRole).toBe('org_admin');
    const [member] = await h.sql`select source from members where org_id = ${world.org.id} and email = ${`boss@${world.domain}`}`;
    expect(member!.source).toBe('invitation');
    const [invitation] = await h.sql`select status from invitations where org_id = ${world.org.id} and email = ${`boss@${world.domain}`}`;
    expect(invitation!.status).toBe('accepted');
  });

  it('emails an off-domain invitee over SMTP, who then signs in through SSO and becomes a member', async () => {
    const created = await api(admin, '', { method: 'POST', body: { email: 'Contractor@Partner.example' } });
    expect(created.status).toBe(201);
    const { invitation } = JSON.parse(created.body);
    expect(invitation).toMatchObject({ email: 'contractor@partner.example', orgRole: 'member', status: 'pending' });

    const mail = await eventually(async () => smtp.messages.find((m) => m.subject?.includes(world.org.name)));
    expect(mail.to).toMatchObject({ value: [{ address: 'contractor@partner.example' }] });
    const link = /(http:\/\/\S+)/.exec(mail.text ?? '')![1]!;
    expect(link).toBe(`${world.appUrl}/auth/${world.org.slug}/login?login_hint=contractor%40partner.example`);
    // The send commits its log row after SMTP accepted the message, so the row may trail the mail by a moment.
    const logged = await eventually(async () => {
      const [row] = await h.sql`select status, kind from email_log where idempotency_key = ${`invitation/${invitation.id}`} and status = 'sent'`;
      return row;
    });
    expect(logged).toEqual({ status: 'sent', kind: 'invitation' });
    await recordHistory(h.client.workflow.getHandle(invitationWorkflowId(world.org.slug, invitation.id)), 'send-invitation');

    const contractor = new TestBrowser();
    const page = await world.signIn(contractor, 'contractor', { start: new URL(link).pathname + new URL(link).search });
    expect(JSON.parse(page.body)).toMatchObject({ member: { email: 'contractor@partner.example' }, orgRole: 'member' });
    const [row] = await h.sql`select status, accepted_member_id from invitations where id = ${invitation.id}`;
    expect(row!.status).toBe('accepted');

    // Accepting twice is harmless: the same member, no second account.
    await world.signIn(new TestBrowser(), 'contractor');
    expect(await h.sql`select 1 from members where org_id = ${world.org.id} and email = 'contractor@partner.example'`).toHaveLength(1);
  });

  it('invites someone directly as org admin', async () => {
    const created = await api(admin, '', { method: 'POST', body: { email: `lateadmin@${world.domain}`, orgRole: 'org_admin' } });
    expect(created.status).toBe(201);
    const page = await world.signIn(new TestBrowser(), 'lateadmin');
    expect(JSON.parse(page.body).orgRole).toBe('org_admin');
  });

  it('a revoked invitation no longer lets an off-domain person in', async () => {
    const created = await api(admin, '', { method: 'POST', body: { email: 'stranger@partner.example' } });
    const { invitation } = JSON.parse(created.body);
    expect((await api(admin, `/${invitation.id}`, { method: 'DELETE' })).status).toBe(204);
    const page = await world.signIn(new TestBrowser(), 'stranger');
    expect(page.status).toBe(403);
    expect(page.body).toContain('Ask your admin to invite you');
    const list = JSON.parse((await api(admin, '')).body);
    expect(list.invitations.find((i: { id: string }) => i.id === invitation.id).status).toBe('revoked');
  });

  it('an expired invitation no longer lets an off-domain person in, and is listed as expired', async () => {
    const created = await api(admin, '', { method: 'POST', body: { email: 'stranger@partner.example' } });
    const { invitation } = JSON.parse(created.body);
    await h.sql`update invitations set expires_at = now() - interval '1 minute' where id = ${invitation.id}`;
    const page = await world.signIn(new TestBrowser(), 'stranger');
    expect(page.status).toBe(403);
    const list = JSON.parse((await api(admin, '')).body);
    expect(list.invitations.find((i: { id: string }) => i.id === invitation.id).status).toBe('expired');
  });

  it('refuses bad input with 400 and a message, writing nothing', async () => {
    const before = await h.sql`select count(*)::int as n from invitations where org_id = ${world.org.id}`;
    const bad = await api(admin, '', { method: 'POST', body: { email: 'nope', orgRole: 'owner' } });
    expect(bad.status).toBe(400);
    const { message } = JSON.parse(bad.body);
    expect(message).toContain('email: must be an email address');
    expect(message).toContain('orgRole');
    expect(await h.sql`select count(*)::int as n from invitations where org_id = ${world.org.id}`).toEqual(before);
  });

  it('refuses to invite an existing member (409)', async () => {
    const res = await api(admin, '', { method: 'POST', body: { email: `boss@${world.domain}` } });
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body).message).toMatch(/already a member/);
  });

  it('treats a repeated invitation as the same one: 200, one email; another role is a 409', async () => {
    const first = await api(admin, '', { method: 'POST', body: { email: 'twice@partner.example' } });
    expect(first.status).toBe(201);
    const again = await api(admin, '', { method: 'POST', body: { email: 'twice@partner.example' } });
    expect(again.status).toBe(200);
    const { invitation } = JSON.parse(first.body);
    expect(JSON.parse(again.body).invitation.id).toBe(invitation.id);
    await h.client.workflow.getHandle(invitationWorkflowId(world.org.slug, invitation.id)).result();
    expect(smtp.messages.filter((m) => m.text?.includes('twice@partner.example'))).toHaveLength(1);

    const otherRole = await api(admin, '', { method: 'POST', body: { email: 'twice@partner.example', orgRole: 'org_admin' } });
    expect(otherRole.status).toBe(409);
    expect(JSON.parse(otherRole.body).message).toMatch(/already has a pending invitation with another role/);
  });

  it('lets only org admins of this organisation manage invitations', async () => {
    const plain = new TestBrowser();
    await world.signIn(plain, 'member');
    expect((await api(plain, '')).status).toBe(403);
    expect((await api(plain, '', { method: 'POST', body: { email: 'x@partner.example' } })).status).toBe(403);
    expect((await api(new TestBrowser(), '')).status).toBe(401);
    const otherOrg = await admin.request(`${world.appUrl}/api/orgs/some-other-org/invitations`);
    expect(otherOrg.status).toBe(403);
  });

  it("cannot revoke another organisation's invitation by id", async () => {
    const [other] = await h.sql`insert into organisations (slug, name) values (${`${world.org.slug}-other`}, 'Other') returning id`;
    const [theirs] = await h.sql`insert into invitations (org_id, email, org_role, expires_at)
                                 values (${other!.id}, 'x@other.example', 'member', now() + interval '1 day') returning id`;
    expect((await api(admin, `/${theirs!.id}`, { method: 'DELETE' })).status).toBe(404);
    const [row] = await h.sql`select status from invitations where id = ${theirs!.id}`;
    expect(row!.status).toBe('pending');
  });

  it('answers 404 for an unknown invitation and 409 for revoking an accepted one', async () => {
    expect((await api(admin, '/00000000-0000-0000-0000-000000000000', { method: 'DELETE' })).status).toBe(404);
    expect((await api(admin, '/not-a-uuid', { method: 'DELETE' })).status).toBe(404);
    const [accepted] = await h.sql`select id from invitations where org_id = ${world.org.id} and status = 'accepted' limit 1`;
    expect((await api(admin, `/${accepted!.id}`, { method: 'DELETE' })).status).toBe(409);
  });
});
