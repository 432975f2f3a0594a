import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-server.ts';
import { queueInvitationEmail } from '../operator/invitation-email.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { invitationWorkflowId, memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { TEST_PAYLOAD_KEYS } from './support/payload-keys.ts';
import { runEntry } from './support/processes.ts';
import { okta } from './support/scim-fixtures.ts';
import { scimOverHttp } from './support/scim.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, terminateRunningWorkflows, untilLifecycleStarted, type TestHarness } from './support/temporal.ts';

/*
 * What Temporal stores, read as bytes: a Temporal dev server of this file's own keeps everything in
 * one SQLite file, and a sign-in, an invitation and a directory change go through the api, the
 * worker and the operator CLI's code with the payload codec. None of the people's emails, names,
 * subjects or issuer may be found there in clear; a control workflow started without the codec
 * shows the same scan finds what is stored in clear.
 */

const tag = randomBytes(4).toString('hex');
// Distinctive enough that a match can only be the value itself.
const signedIn = { login: `subject-${tag}-ada`, name: `Adaline Quillfeather ${tag}` };
const invited = { local: `grace.hopperwood.${tag}` };
const directory = { first: `Florentin${tag}`, last: 'Fieldhouse', renamed: `Florian${tag}`, before: `florentin.${tag}`, after: `florian.${tag}` };
const refusal = (address: string) => `mailbox ${address} refused (550 no such user ${tag})`;
const control = { email: `control.${tag}@plain.example`, name: `Control Person ${tag}`, orgSlug: `control-visibility-${tag}` };

let dir: string;
let server: DevServer;
let h: TestHarness;
let world: SsoWorld;
let stored: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payload-store-'));
  server = await startTemporalDevServer({ cli: await resolveTemporalCli(), namespace: 'default', dbFile: join(dir, 'temporal.sqlite') });
  h = await startHarness({
    address: server.address,
    // A mail server refusing the invitation with the address in its message: the failure the workflow ends with.
    wrapActivities: (activities) => ({
      ...activities,
      sendInvitationEmail: async ({ email }) => {
        throw ApplicationFailure.nonRetryable(refusal([email.to].flat().join(', ')), 'MailboxRefused');
      },
    }),
  });
  world = await startSsoWorld(h, (domain) => [{ login: signedIn.login, email: `${signedIn.login}@${domain}`, email_verified: true, name: signedIn.name }]);
}, 180_000);

afterAll(async () => {
  await world?.stop();
  await h?.stop().catch(() => undefined);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const emailOf = (local: string) => `${local}@${world.domain}`;
const operatorConfig = () =>
  loadConfig({ APP_ENV: 'test', TEMPORAL_ADDRESS: server.address, TASK_QUEUE: h.taskQueue, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, PUBLIC_URL: world.appUrl });

/** Every file of the SQLite database (the file, its write-ahead log and shared memory, if left). */
const databaseBytes = () =>
  Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('temporal.sqlite')).map((f) => readFileSync(join(dir, f))));

const inClear = (bytes: Buffer, values: string[]) => values.filter((v) => bytes.includes(Buffer.from(v, 'utf8')));

describe('what Temporal stores', { timeout: 180_000 }, () => {
  it('a first sign-in, an invitation whose mail fails and a directory rename run through the codec', async () => {
    await world.signIn(new TestBrowser(), signedIn.login);
    await untilLifecycleStarted(h.sql, world.org.id);

    const invitation = await makeOrgAdmin(h.sql, { org: world.org.slug, email: emailOf(invited.local) });
    if (invitation.outcome !== 'invited') throw new Error('expected an invitation');
    await queueInvitationEmail(operatorConfig(), invitation);
    const failed = await h.client.workflow.getHandle(invitationWorkflowId(world.org.slug, invitation.invitation.id)).result().catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    // Decoded with the key, the failure still says what happened.
    expect(String((failed as WorkflowFailedError).cause?.cause)).toContain(refusal(emailOf(invited.local)));
    // In the history, the failures (the activity's, and the workflow's own, built in the workflow bundle) say nothing.
    const history = await h.client.workflow.getHandle(invitationWorkflowId(world.org.slug, invitation.invitation.id)).fetchHistory();
    const failures = (history.events ?? []).flatMap((e) => [e.activityTaskFailedEventAttributes?.failure, e.workflowExecutionFailedEventAttributes?.failure].filter(Boolean));
    expect(failures.map((f) => [f!.message, f!.stackTrace, f!.cause?.message])).toEqual([
      ['Encoded failure', '', undefined],
      ['Encoded failure', '', 'Encoded failure'],
    ]);

    const { token } = await createScimToken(h.sql, { org: world.org.slug });
    const scim = (method: string, path: string, body?: unknown) => scimOverHttp(world.appUrl, token, method, path, body);
    const created = await scim('POST', '/Users', okta.create(emailOf(directory.before), `ext-${tag}`, directory.first, directory.last));
    expect(created.status).toBe(201);
    const renamed = okta.replace(created.body.id, emailOf(directory.after), `ext-${tag}`, directory.renamed, directory.last);
    expect((await scim('PUT', `/Users/${created.body.id}`, renamed)).status).toBe(200);
    const [member]: [{ id: string }?] = await h.sql`select id from members where org_id = ${world.org.id} and email = ${emailOf(directory.after)}`;
    const lifecycle = h.client.workflow.getHandle(memberWorkflowId(world.org.slug, member!.id));
    await eventually(async () => ((await lifecycle.query('memberState')) as { directory: { seq: number } }).directory.seq >= 2 || undefined);
  });

  it("the operator CLI's find-member query finds the member's lifecycle by email", async () => {
    const email = emailOf(directory.after);
    const cli = await runEntry('cli/main.ts', ['workflows', 'find-member', '--email', email.toUpperCase()], { TEMPORAL_ADDRESS: server.address, TASK_QUEUE: h.taskQueue });
    expect(cli.code, cli.err).toBe(0);
    const [query, ...found] = cli.out.trim().split('\n');
    expect(query).toMatch(/^MemberEmailHash = "[0-9a-f]{64}"$/);
    const [member]: [{ id: string }?] = await h.sql`select id from members where org_id = ${world.org.id} and email = ${email}`;
    const workflowId = memberWorkflowId(world.org.slug, member!.id);
    expect(found).toEqual([`member workflow: ${workflowId}`]);
    const listed = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.client.workflow.list({ query: query! })) ids.push(wf.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    expect(listed).toEqual([workflowId]);
  });

  it('a control workflow started without the codec is stored in clear', async () => {
    const plain = new Client({ connection: h.connection });
    // Its search attribute is a value nothing else carries: found, it shows the visibility store is scanned too.
    const handle = await plain.workflow.start('controlWithoutCodec', {
      taskQueue: `nobody-polls-${tag}`,
      workflowId: `control-${tag}`,
      args: [{ email: control.email, name: control.name }],
      typedSearchAttributes: [{ key: searchAttributes.orgSlug, value: control.orgSlug }],
    });
    await handle.terminate();
  });

  it('the stored bytes hold no email, name, subject or issuer of the people, while the control shows in clear', async () => {
    await terminateRunningWorkflows(h);
    await h.stop();
    // Stopped: SQLite's write-ahead log is checkpointed or left beside the file; both are read.
    await server.stop();
    stored = databaseBytes();
    expect(stored.length).toBeGreaterThan(0);
    expect(inClear(stored, [control.email, control.name, control.orgSlug])).toEqual([control.email, control.name, control.orgSlug]);
    const people = [
      emailOf(signedIn.login),
      signedIn.name,
      signedIn.login,
      world.idp.issuer,
      emailOf(invited.local),
      invited.local,
      emailOf(directory.before),
      emailOf(directory.after),
      directory.first,
      directory.renamed,
      refusal(emailOf(invited.local)),
    ];
    expect(inClear(stored, people)).toEqual([]);
  });
});
