import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHistory } from './support/histories.ts';
import { cutOffScimApp, directorySignals, scimApp, scimOrg, unreachableAtOnce } from './support/scim.ts';
import { okta } from './support/scim-fixtures.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let scim: ReturnType<typeof scimApp>;
let unreachable: Connection;

beforeAll(async () => {
  h = await startHarness();
  scim = scimApp(h);
  unreachable = Connection.lazy({ address: '127.0.0.1:1' });
});
afterAll(async () => {
  await unreachable?.close();
  await h?.stop();
});

const cutOffScim = () => cutOffScimApp(h, unreachable);

const link = async (scimId: string) => {
  const [row] = await h.sql<{ member_id: string; directory_state: string; directory_seq: string; signalled_seq: string }[]>`
    select member_id, directory_state, directory_seq, signalled_seq from directory_links where scim_id = ${scimId}`;
  return row!;
};

describe('directory events that Temporal could not take', { timeout: 60_000 }, () => {
  it('answer 503 with the change saved, and the retry of the same request hands them on', async () => {
    const org = await scimOrg(h, 'outage');
    const cutOff = cutOffScim();
    const email = `ivy@${org.domain}`;
    const created = await cutOff('POST', '/Users', org.token, okta.create(email, 'ivy'));
    expect(created.status).toBe(503);
    expect(await created.json()).toMatchObject({ status: '503', detail: expect.stringContaining('saved') });
    const [stored] = await h.sql<{ scim_id: string }[]>`select scim_id from directory_links where user_name = ${email}`;
    const id = stored!.scim_id;
    expect(Number((await link(id)).signalled_seq)).toBe(0);

    // Okta retries the create: a 409, and the lifecycle is told after all.
    expect((await scim('POST', '/Users', { token: org.token, body: okta.create(email, 'ivy') })).status).toBe(409);
    const created1 = await link(id);
    expect(created1.signalled_seq).toBe(created1.directory_seq);
    expect((await directorySignals(h, org.slug, created1.member_id)).map((e) => e.state)).toEqual(['active']);

    const off = await cutOff('PATCH', `/Users/${id}`, org.token, okta.setActive(false));
    expect(off.status).toBe(503);
    expect(await link(id)).toMatchObject({ directory_state: 'inactive' });
    expect((await scim('PATCH', `/Users/${id}`, { token: org.token, body: okta.setActive(false) })).status).toBe(200);
    const deactivated = await link(id);
    expect(deactivated.signalled_seq).toBe(deactivated.directory_seq);
    expect((await directorySignals(h, org.slug, created1.member_id)).map((e) => [e.state, e.seq])).toEqual([
      ['active', Number(created1.directory_seq)],
      ['inactive', Number(deactivated.directory_seq)],
    ]);

    expect((await cutOff('DELETE', `/Users/${id}`, org.token)).status).toBe(503);
    expect((await scim('DELETE', `/Users/${id}`, { token: org.token })).status).toBe(404);
    const deleted = await link(id);
    expect(deleted).toMatchObject({ directory_state: 'deleted' });
    expect(deleted.signalled_seq).toBe(deleted.directory_seq);
    expect((await directorySignals(h, org.slug, created1.member_id)).at(-1)).toMatchObject({ state: 'deleted', seq: Number(deleted.directory_seq) });
  });

  it('a directory that never retries: the scheduled backstop delivers the saved change, once', async () => {
    const org = await scimOrg(h, 'noretry');
    const created = await scim('POST', '/Users', { token: org.token, body: okta.create(`jay@${org.domain}`, 'jay') });
    expect(created.status).toBe(201);
    const refusing = unreachableAtOnce();
    try {
      expect((await cutOffScimApp(h, refusing)('PATCH', `/Users/${created.body.id}`, org.token, okta.setActive(false))).status).toBe(503);
    } finally {
      await refusing.close();
    }
    const before = await link(created.body.id);

    const workflowId = `redeliver-${org.slug}`;
    const run = (n: number) => h.client.workflow.execute('redeliverDirectoryEventsWorkflow', { taskQueue: h.taskQueue, workflowId: `${workflowId}-${n}`, args: [{ orgId: org.id }] });
    expect(await run(1)).toEqual({ delivered: 1, failed: 0, parked: 0 });
    await recordHistory(h.client.workflow.getHandle(`${workflowId}-1`), 'redeliver-directory-events');
    const after = await link(created.body.id);
    expect(after.signalled_seq).toBe(before.directory_seq);
    await eventually(async () => ((await h.sql`select status from members where id = ${before.member_id}`)[0]?.status === 'disabled' ? true : undefined));
    expect((await directorySignals(h, org.slug, before.member_id)).map((e) => e.state)).toEqual(['active', 'inactive']);
    // Delivered events are not sent again.
    await run(2);
    expect((await directorySignals(h, org.slug, before.member_id)).map((e) => e.state)).toEqual(['active', 'inactive']);
  });
});
