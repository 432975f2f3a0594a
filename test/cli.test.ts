import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decryptSecret } from '../auth/tokens.ts';
import { loadConfig } from '../config/index.ts';
import { createSql, type Sql } from '../db/client.ts';
import { startOidcProvider, type RunningIdp } from '../dev/oidc-provider.ts';
import { freePort } from '../dev/ports.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { createOrg } from '../operator/operations.ts';
import { reminderState } from '../temporal/site-access.ts';
import { invitationWorkflowId, siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { runEntry } from './support/processes.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

const publicUrl = 'http://localhost:3999';
let sql: Sql;
let idp: RunningIdp;
let smtp: SmtpSink;
let h: TestHarness;

/** Runs the real CLI process. */
const cli = (args: string[], env: Record<string, string> = {}, input = '') => runEntry('cli/main.ts', args, { TASK_QUEUE: h.taskQueue, PUBLIC_URL: publicUrl, ...env }, input);

beforeAll(async () => {
  sql = createSql(inject('databaseUrl'), { max: 2 });
  idp = await startOidcProvider({ accounts: [], clients: [{ client_id: 'cli-app', client_secret: 'x', redirect_uris: ['http://localhost/cb'] }] });
  // The worker the CLI's invitation emails are queued for, mailing to a real SMTP server.
  smtp = await startSmtpSink();
  h = await startHarness({ smtpUrl: smtp.url });
});
afterAll(async () => {
  await h?.stop();
  await smtp?.stop();
  await idp?.stop();
  await sql?.end();
});

// Each case spawns CLI processes (tsx compiles at every start): slow on a busy 2-core machine.
describe('operator CLI', { timeout: 90_000 }, () => {
  it('prints help', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('sso set <org>');
  });

  it('creates an organisation, refuses a duplicate and a bad slug', async () => {
    const slug = uniqueSlug('cli');
    expect(await cli(['org', 'create', slug, '--name', 'CLI Org'])).toMatchObject({ code: 0, out: expect.stringContaining(`created organisation ${slug}`) });
    expect(await cli(['org', 'create', slug])).toMatchObject({ code: 2, err: expect.stringContaining(`organisation "${slug}" already exists`) });
    expect(await cli(['org', 'create', 'Bad Slug!'])).toMatchObject({ code: 2, err: expect.stringContaining('is not a valid slug') });
  });

  it('gives a domain to one organisation only', async () => {
    const [a, b] = [uniqueSlug('cli'), uniqueSlug('cli')];
    await createOrg(sql, { slug: a, name: a });
    await createOrg(sql, { slug: b, name: b });
    const domain = `${a}.example`;
    expect((await cli(['domain', 'add', a, domain.toUpperCase()])).code).toBe(0);
    expect(await cli(['domain', 'add', b, domain])).toMatchObject({ code: 2, err: expect.stringContaining(`already belongs to organisation "${a}"`) });
    expect(await cli(['domain', 'add', 'no-such-org', 'x.example'])).toMatchObject({ code: 2, err: expect.stringContaining('no organisation "no-such-org"') });
    expect(await cli(['domain', 'remove', b, domain])).toMatchObject({ code: 2, err: expect.stringContaining('is not verified for') });
    expect((await cli(['domain', 'remove', a, domain])).code).toBe(0);
    expect((await cli(['domain', 'add', b, domain])).code).toBe(0);
  });

  it('configures SSO after checking discovery, never printing the secret and storing it encrypted', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(sql, { slug: slug, name: slug });
    const secret = 'super-secret-value-123';
    const run = await cli(['sso', 'set', slug, '--issuer', idp.issuer, '--client-id', 'cli-app', '--scope', 'groups'], {}, `${secret}\n`);
    expect(run.code).toBe(0);
    expect(run.out + run.err).not.toContain(secret);
    const [row] = await sql`select c.client_secret_encrypted, c.extra_scopes from sso_connections c join organisations o on o.id = c.org_id where o.slug = ${slug}`;
    expect(row!.client_secret_encrypted).not.toContain(secret);
    expect(decryptSecret(loadConfig({ APP_ENV: 'test' }).encryptionKey, row!.client_secret_encrypted)).toBe(secret);
    expect(row!.extra_scopes).toEqual(['groups']);
  });

  it('refuses an unreachable issuer and saves nothing', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(sql, { slug: slug, name: slug });
    const run = await cli(['sso', 'set', slug, '--issuer', `http://127.0.0.1:${await freePort()}`, '--client-id', 'x'], { OIDC_CLIENT_SECRET: 's' });
    expect(run).toMatchObject({ code: 2, err: expect.stringContaining('is unreachable or not an OpenID Provider') });
    expect(await sql`select 1 from sso_connections c join organisations o on o.id = c.org_id where o.slug = ${slug}`).toHaveLength(0);
  });

  it('refuses a plain-http issuer that is not on loopback', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(sql, { slug: slug, name: slug });
    const run = await cli(['sso', 'set', slug, '--issuer', 'http://idp.example.com', '--client-id', 'x'], { OIDC_CLIENT_SECRET: 's' });
    expect(run).toMatchObject({ code: 2, err: expect.stringContaining('must use https') });
  });

  it('promotes an existing member, or invites a new person as org admin', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(sql, { slug: slug, name: slug });
    const [org] = await sql`select id from organisations where slug = ${slug}`;
    await sql`insert into members (org_id, email, source) values (${org!.id}, 'existing@x.example', 'operator')`;
    expect(await cli(['admin', 'grant', slug, 'existing@x.example'])).toMatchObject({ code: 0, out: expect.stringContaining('is now an org admin') });
    expect(await cli(['admin', 'grant', slug, 'new@x.example'])).toMatchObject({ code: 0, out: expect.stringContaining('invited as org admin') });
    const [member] = await sql`select org_role from members where org_id = ${org!.id} and email = 'existing@x.example'`;
    expect(member!.org_role).toBe('org_admin');
    const [invitation] = await sql`select org_role, status from invitations where org_id = ${org!.id} and email = 'new@x.example'`;
    expect(invitation).toEqual({ org_role: 'org_admin', status: 'pending' });
    expect((await cli(['admin', 'grant', slug, 'not-an-email'])).code).toBe(2);
  });

  it('emails an org-admin invitation with the sign-in link; when Temporal is down it says to rerun, and the rerun queues it once', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(sql, { slug, name: 'Mail Org' });
    const address = 'first-admin@x.example';

    const down = await cli(['admin', 'grant', slug, address], { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    expect(down).toMatchObject({ code: 2, err: expect.stringContaining('its email was NOT queued') });
    expect(down.err).toContain('Rerun the same command');
    const [saved] = await sql`select i.id, i.status from invitations i join organisations o on o.id = i.org_id
                              where o.slug = ${slug} and i.email = ${address}`;
    expect(saved!.status).toBe('pending');

    expect(await cli(['admin', 'grant', slug, address])).toMatchObject({ code: 0, out: expect.stringContaining('the invitation email is queued') });
    expect((await cli(['admin', 'grant', slug, address])).code).toBe(0);
    const invitations = await sql`select i.id from invitations i join organisations o on o.id = i.org_id where o.slug = ${slug}`;
    expect(invitations).toEqual([{ id: saved!.id }]);

    expect(await h.client.workflow.getHandle(invitationWorkflowId(slug, saved!.id)).result()).toBe('sent');
    const mails = smtp.messages.filter((m) => m.text?.includes(`(${address})`));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('You are invited to Mail Org');
    expect(mails[0]!.text).toContain('as an org admin');
    expect(mails[0]!.text).toContain(`${publicUrl}/auth/${slug}/login?login_hint=first-admin%40x.example`);
  });

  it('adds sites and IT contacts, refusing duplicates', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(sql, { slug: slug, name: slug });
    expect((await cli(['site', 'add', slug, 'Berlin HQ'])).code).toBe(0);
    expect(await cli(['site', 'add', slug, 'Berlin HQ'])).toMatchObject({ code: 2, err: expect.stringContaining('already exists') });
    expect((await cli(['it-contact', 'add', slug, 'it@x.example', '--name', 'IT desk'])).code).toBe(0);
    expect(await cli(['it-contact', 'add', slug, 'it@x.example'])).toMatchObject({ code: 2, err: expect.stringContaining('already an IT contact') });
    expect((await cli(['org', 'list'])).out).toContain(slug);
  });

  it('a new IT contact or org admin starts reminders held for want of a recipient', async () => {
    const slug = uniqueSlug('cli');
    const org = await createOrg(sql, { slug, name: slug });
    await sql`insert into members (org_id, email, name, source) values (${org.id}, ${`new@${slug}.example`}, 'New', 'jit')`;
    await sql`insert into members (org_id, email, name, source) values (${org.id}, ${`lead@${slug}.example`}, 'Lead', 'jit')`;
    const reminders = h.client.workflow.getHandle(siteAccessRemindersWorkflowId(slug));

    expect((await cli(['it-contact', 'add', slug, `it@${slug}.example`])).out).not.toContain('note:');
    const first = await eventually(async () => (await reminderState(h.client, slug))?.recipients.itContacts[0]);
    expect(first).toBe(`it@${slug}.example`);

    expect(await cli(['admin', 'grant', slug, `lead@${slug}.example`])).toMatchObject({ code: 0, out: expect.stringContaining('is now an org admin') });
    const admins = await eventually(async () => (await reminderState(h.client, slug))?.recipients.admins[0]);
    expect(admins).toBe(`lead@${slug}.example`);
    expect((await reminderState(h.client, slug))?.nextDigestAt).toEqual(expect.any(String));
    await reminders.terminate('test finished');
  });

  it('creates, lists, rotates and revokes the SCIM token of an org, showing each token once and storing its hash', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(sql, { slug, name: slug });
    const created = await cli(['scim-token', 'create', slug]);
    expect(created.code).toBe(0);
    const token = /^(scim_[\w-]{43})$/m.exec(created.out)?.[1];
    expect(token).toBeDefined();
    expect(await cli(['scim-token', 'create', slug])).toMatchObject({ code: 2, err: expect.stringContaining(`scim-token rotate ${slug}`) });
    const rotated = await cli(['scim-token', 'rotate', slug]);
    const next = /^(scim_[\w-]{43})$/m.exec(rotated.out)?.[1];
    expect(next).toBeDefined();
    expect(next).not.toBe(token);
    const listed = await cli(['scim-token', 'list', slug]);
    expect(listed.out.split('\n').filter((line) => line.startsWith(slug))).toHaveLength(2);
    expect(listed.out).not.toContain(next!);
    expect(listed.out).toMatch(/revoked=-/);
    expect((await cli(['scim-token', 'revoke', slug])).code).toBe(0);
    expect(await cli(['scim-token', 'revoke', slug])).toMatchObject({ code: 2, err: expect.stringContaining('no live SCIM token') });
    const stored = await sql`select t.token_hash, t.revoked_at from scim_tokens t join organisations o on o.id = t.org_id where o.slug = ${slug}`;
    expect(stored.every((t) => t.revoked_at !== null && t.token_hash.length === 32)).toBe(true);
  });

  it('emails an IT contact a setup link and revokes it; a bad address and a down mail server are refused', async () => {
    const slug = uniqueSlug('cli');
    const org = await createOrg(sql, { slug, name: 'Setup Org' });
    // A member waits for a site with nobody to remind: the link's new IT contact becomes the first recipient.
    await sql`insert into members (org_id, email, name, source) values (${org.id}, ${`new@${slug}.example`}, 'New', 'jit')`;
    const mail = { SMTP_URL: smtp.url };
    const sent = await cli(['setup-link', 'send', slug, 'it-setup@x.example'], mail);
    expect(sent).toMatchObject({ code: 0, out: expect.stringContaining('emailed to it-setup@x.example') });
    expect(sent.out).not.toContain('note:');
    expect(await eventually(async () => (await reminderState(h.client, slug))?.recipients.itContacts[0])).toBe('it-setup@x.example');
    await h.client.workflow.getHandle(siteAccessRemindersWorkflowId(slug)).terminate('test finished');
    const link = await eventually(async () => smtp.messages.find((m) => m.text?.includes(`${publicUrl}/setup/open?token=setup_`)));
    expect([link.to].flat()[0]?.value[0]?.address).toBe('it-setup@x.example');
    expect(await sql`select 1 from it_contacts c join organisations o on o.id = c.org_id where o.slug = ${slug} and c.email = 'it-setup@x.example'`).toHaveLength(1);
    expect(await cli(['setup-link', 'revoke', slug, 'it-setup@x.example'])).toMatchObject({ code: 0, out: expect.stringContaining('revoked 1 setup link') });
    expect(await cli(['setup-link', 'revoke', slug, 'it-setup@x.example'])).toMatchObject({ code: 2, err: expect.stringContaining('no live setup link') });
    expect(await cli(['setup-link', 'send', slug, 'not-an-email'], mail)).toMatchObject({ code: 2, err: expect.stringContaining('is not an email address') });
    const down = await cli(['setup-link', 'send', slug, 'it-nomail@x.example'], { SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
    expect(down).toMatchObject({ code: 2, err: expect.stringContaining('the link was withdrawn') });
    expect(await sql`select 1 from setup_links l join organisations o on o.id = l.org_id where o.slug = ${slug} and l.revoked_at is null`).toHaveLength(0);
  });

  it('refuses unknown commands and options with usage', async () => {
    expect(await cli(['frobnicate', 'now'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown command') });
    expect(await cli(['org', 'list', '--bogus'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") });
  });
});
