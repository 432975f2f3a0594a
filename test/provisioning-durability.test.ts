import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, expect, inject, it } from 'vitest';
import { provisionSignIn } from '../api/temporal.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { createSql } from '../db/client.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { insertSsoOrg } from './support/fixtures.ts';
import { firstSignInLifecycleId } from './support/provisioning.ts';
import { testDataConverter } from './support/payload-keys.ts';

let h: TestHarness | undefined;
const connection = await Connection.connect({ address: inject('temporalAddress') });
const client = new Client({ connection, dataConverter: testDataConverter });
const sql = createSql(inject('databaseUrl'), { max: 2 });
afterAll(async () => {
  await h?.stop();
  await Promise.all([connection.close(), sql.end()]);
});

it('a sign-in handed to Temporal while no worker runs completes once a worker is back', async () => {
  const taskQueue = `durability-${randomUUID()}`;
  const { org, signIn } = await insertSsoOrg(sql);

  // The sign-in starts the lifecycle it will be provisioned in, which no worker picks up yet.
  const input = signIn('late');
  const answer = provisionSignIn({ client, connection }, sql, taskQueue, input);
  const handle = client.workflow.getHandle(firstSignInLifecycleId(org.slug, input.connectionId, input.iss, input.sub));
  await eventually(() => handle.describe().catch(() => undefined));
  await new Promise((r) => setTimeout(r, 1_000));
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(await sql`select 1 from members where org_id = ${org.id}`).toHaveLength(0);

  h = await startHarness({ taskQueue });
  expect(await answer).toMatchObject({ outcome: 'created' });
  const member = await eventually(async () => (await sql`select id, email, org_role, lifecycle_started_at is not null as stamped from members where org_id = ${org.id}`)[0]);
  expect(member).toMatchObject({ email: `late@${org.slug}.test`, org_role: 'member', stamped: true });
  expect(handle.workflowId).toBe(memberWorkflowId(org.slug, member.id));
  // Once the lifecycle went on from its provisioning: a new member waits for a site.
  expect(await eventually(async () => ((await handle.query(memberStateQuery)).siteAccessPending ? true : undefined))).toBe(true);
  await handle.terminate('test finished');
});
