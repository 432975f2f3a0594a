import { Client, Connection } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { directorySweepActivities, type DirectorySweepResult } from '../activities/directory-sweep.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-server.ts';
import { undeliveredEventsReport } from '../db/directory-events.ts';
import { DELIVERY_ATTEMPTS } from '../domain/directory-delivery.ts';
import { formatDirectoryEvents } from '../operator/directory-events.ts';
import { activityPorts } from '../temporal/activity-ports.ts';
import { redeliverDirectoryEventsWorkflow } from '../workflows/index.ts';
import { privateDatabase } from './support/private-database.ts';
import { runEntry } from './support/processes.ts';
import { cutOffScimApp, scimApp, scimOrg, unreachableAtOnce } from './support/scim.ts';
import { okta } from './support/scim-fixtures.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testDataConverter, testEmailHash } from './support/payload-keys.ts';

// A server that takes at most three signals per workflow run: a member whose directory entry
// flapped that often has a lifecycle Temporal refuses every further event for, for real (the
// lifecycle continues as new only when its history grows long). Its own database, too: the
// backstop runs over every organisation, and other files' undelivered events are not its to take.
const SIGNALS_PER_RUN = 3;
let server: DevServer;
let db: Awaited<ReturnType<typeof privateDatabase>>;
let h: TestHarness;
let scim: ReturnType<typeof scimApp>;
let cutOff: ReturnType<typeof cutOffScimApp>;
let unreachable: Connection;
let refusing: Connection;

beforeAll(async () => {
  [server, db] = await Promise.all([
    resolveTemporalCli().then((cli) => startTemporalDevServer({ cli, namespace: 'default', dynamicConfig: { 'history.maximumSignalsPerExecution': SIGNALS_PER_RUN } })),
    privateDatabase(),
  ]);
  h = await startHarness({ address: server.address, databaseUrl: db.url });
  scim = scimApp(h);
  unreachable = Connection.lazy({ address: '127.0.0.1:1' });
  refusing = unreachableAtOnce();
  cutOff = cutOffScimApp(h, refusing);
});
afterAll(async () => {
  await Promise.all([unreachable?.close(), refusing?.close()]);
  await h?.stop();
  await Promise.all([server?.stop(), db?.drop()]);
});

const cli = (args: string[]) => runEntry('cli/main.ts', args, { DATABASE_URL: db.url, TEMPORAL_ADDRESS: server.address, TASK_QUEUE: h.taskQueue });

let runs = 0;
const sweep = (): Promise<DirectorySweepResult> =>
  h.client.workflow.execute(redeliverDirectoryEventsWorkflow, { taskQueue: h.taskQueue, workflowId: `backstop-${++runs}`, args: [{}] });

const link = async (scimId: string) => {
  const [row] = await h.sql<{ memberId: string; directorySeq: string; signalledSeq: string }[]>`
    select member_id as "memberId", directory_seq as "directorySeq", signalled_seq as "signalledSeq" from directory_links where scim_id = ${scimId}`;
  return row!;
};
const delivered = async (scimId: string) => {
  const row = await link(scimId);
  return row.signalledSeq === row.directorySeq;
};
const failure = async (scimId: string) => {
  const [row] = await h.sql<{ attempts: number; parked: boolean; lastError: string }[]>`
    select f.attempts, f.parked_at is not null as parked, f.last_error as "lastError"
    from directory_event_failures f join directory_links l on l.member_id = f.member_id and f.seq = l.directory_seq where l.scim_id = ${scimId}`;
  return row;
};
/** The backoff is minutes long: the test lets it pass instead of waiting it out. */
const backoffOver = () => h.sql`update directory_event_failures set next_attempt_at = now() where parked_at is null`;

/** A member the directory switched on and off until their lifecycle took all the signals it can: the next change is saved, and refused by Temporal. */
async function memberTemporalRefuses() {
  const org = await scimOrg(h, 'flap');
  const email = `flap@${org.domain}`;
  const created = await scim('POST', '/Users', { token: org.token, body: okta.create(email, 'flap') });
  expect(created.status).toBe(201);
  for (const active of [false, true]) expect((await scim('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(active) })).status).toBe(200);
  expect((await scim('PATCH', `/Users/${created.body.id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(503);
  return { org, email, scimId: created.body.id as string };
}

/** A deactivation saved while Temporal could not be reached, in an organisation whose directory never retries. */
async function deactivationNeverRetried() {
  const org = await scimOrg(h, 'later');
  const created = await scim('POST', '/Users', { token: org.token, body: okta.create(`gone@${org.domain}`, 'gone') });
  expect(created.status).toBe(201);
  expect((await cutOff('PATCH', `/Users/${created.body.id}`, org.token, okta.setActive(false))).status).toBe(503);
  return { org, scimId: created.body.id as string };
}

describe('the directory-event backstop', { timeout: 120_000 }, () => {
  it('delivers later deactivations of other organisations past an event Temporal keeps refusing, which it parks after its attempts', async () => {
    const stuck = await memberTemporalRefuses();
    const later = [await deactivationNeverRetried(), await deactivationNeverRetried()];

    expect(await sweep()).toEqual({ delivered: 2, failed: 1, parked: 0 });
    for (const { scimId } of later) {
      expect(await delivered(scimId)).toBe(true);
      const { memberId } = await link(scimId);
      await eventually(async () => ((await h.sql`select status from members where id = ${memberId}`)[0]?.status === 'disabled' ? true : undefined));
    }
    expect(await delivered(stuck.scimId)).toBe(false);
    expect(await failure(stuck.scimId)).toMatchObject({ attempts: 1, parked: false, lastError: expect.stringContaining('exceeded workflow execution limit for signal events') });

    // Waiting its backoff, the event is not tried again; once it is over, each run tries it once more.
    expect(await sweep()).toEqual({ delivered: 0, failed: 0, parked: 0 });
    for (let attempt = 2; attempt < DELIVERY_ATTEMPTS; attempt++) {
      await backoffOver();
      expect(await sweep()).toEqual({ delivered: 0, failed: 1, parked: 0 });
    }
    await backoffOver();
    expect(await sweep()).toEqual({ delivered: 0, failed: 0, parked: 1 });
    expect(await failure(stuck.scimId)).toMatchObject({ attempts: DELIVERY_ATTEMPTS, parked: true });
    await backoffOver();
    expect(await sweep()).toEqual({ delivered: 0, failed: 0, parked: 0 });

    const { memberId } = await link(stuck.scimId);
    expect(await h.sql`select actor, data from audit_events where member_id = ${memberId} and type = 'directory.event_parked'`).toEqual([
      { actor: 'system:directory-backstop', data: expect.objectContaining({ state: 'inactive', attempts: DELIVERY_ATTEMPTS, error: expect.stringContaining('signal events') }) },
    ]);

    // Operators see it, and hand it back once they have dealt with the cause.
    const listed = await cli(['directory', 'events', '--parked']);
    expect(listed).toMatchObject({ code: 0 });
    expect(listed.out.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${stuck.org.slug}\\t${stuck.email}\\tinactive\\tseq=\\d+\\tsince=\\S+\\tattempts=${DELIVERY_ATTEMPTS}\\tparked=\\S+\\tlast-error=.*signal events`)),
    ]);
    expect((await cli(['directory', 'events', later[0]!.org.slug])).out.trim()).toBe('no undelivered directory events');
    expect(await cli(['directory', 'retry', stuck.org.slug, `nobody@${stuck.org.domain}`])).toMatchObject({ code: 2, err: expect.stringContaining('no member') });
    expect(await cli(['directory', 'retry', stuck.org.slug, stuck.email])).toMatchObject({ code: 0, out: expect.stringContaining('1 parked directory event') });
    expect(await h.sql`select actor from audit_events where member_id = ${memberId} and type = 'directory.event_retried'`).toEqual([{ actor: 'operator' }]);
    expect((await cli(['directory', 'events', stuck.org.slug])).out).toContain('attempts=0\tnext-attempt=next run');
    expect(await sweep()).toEqual({ delivered: 0, failed: 1, parked: 0 });
  });

  it('lists at most its limit of undelivered events for operators and says how many it left out', async () => {
    const waiting = [await deactivationNeverRetried(), await deactivationNeverRetried()];
    const all = await undeliveredEventsReport(h.sql, { parkedOnly: false });
    expect(all.total).toBe(all.events.length);
    expect(all.events.map((e) => e.org)).toEqual(expect.arrayContaining(waiting.map((w) => w.org.slug)));
    const oldest = await undeliveredEventsReport(h.sql, { parkedOnly: false, limit: 1 });
    expect(oldest).toEqual({ events: [all.events[0]], total: all.total });
    expect(formatDirectoryEvents(oldest, false).split('\n').at(-1)).toBe(`(the oldest 1 of ${all.total}; name an organisation to see its own)`);
    // The tests after this one count what a sweep delivers.
    expect((await sweep()).delivered).toBe(waiting.length);
  });

  it('fails its run while Temporal cannot be reached, charging no event an attempt', async () => {
    const waiting = await deactivationNeverRetried();
    // A short deadline: how long an unreachable Temporal is waited for is not what this proves.
    const cutOffSweep = directorySweepActivities(h.sql, activityPorts(new Client({ connection: unreachable, dataConverter: testDataConverter }), h.taskQueue, testEmailHash), { sendDeadlineMs: 1_000 });
    await expect(new MockActivityEnvironment().run(cutOffSweep.redeliverDirectoryEvents, {})).rejects.toThrow();
    expect(await failure(waiting.scimId)).toBeUndefined();
    expect(await delivered(waiting.scimId)).toBe(false);

    expect(await sweep()).toEqual({ delivered: 1, failed: 0, parked: 0 });
    expect(await delivered(waiting.scimId)).toBe(true);
  });

  it('beats between events and stops between them when its run is cancelled', async () => {
    const waiting = [await deactivationNeverRetried(), await deactivationNeverRetried()];
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (progress: unknown) => {
      beats.push(progress);
      if (beats.length === 2) env.cancel();
    });
    const ownSweep = directorySweepActivities(h.sql, activityPorts(h.client, h.taskQueue, testEmailHash));
    await expect(env.run(ownSweep.redeliverDirectoryEvents, {})).rejects.toBeInstanceOf(CancelledFailure);
    expect(beats).toEqual([{ delivered: 0, failed: 0, parked: 0 }, { delivered: 1, failed: 0, parked: 0 }]);
    expect([await delivered(waiting[0]!.scimId), await delivered(waiting[1]!.scimId)]).toEqual([true, false]);

    expect(await sweep()).toEqual({ delivered: 1, failed: 0, parked: 0 });
  });
});
