import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, expect, inject, it } from 'vitest';
import { provisionIdentityWorkflow } from '../workflows/index.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { createSql } from '../db/client.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { insertSsoOrg } from './support/fixtures.ts';
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

  const handle = await client.workflow.start(provisionIdentityWorkflow, {
    taskQueue,
    workflowId: `signin/${org.slug}/durability`,
    args: [signIn('late')],
  });
  await new Promise((r) => setTimeout(r, 1_000));
  expect((await handle.describe()).status.name).toBe('RUNNING');

  h = await startHarness({ taskQueue });
  const result = await handle.result();
  expect(result).toMatchObject({ outcome: 'created', orgRole: 'member' });
  const memberId = (result as { memberId: string }).memberId;
  expect(await sql`select email from members where id = ${memberId}`).toEqual([{ email: `late@${org.slug}.test` }]);
  const lifecycle = client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  expect(await eventually(() => lifecycle.query(memberStateQuery).catch(() => undefined))).toMatchObject({ status: 'active' });
  await lifecycle.terminate('test finished');
});
