import { afterAll, beforeAll, expect, it } from 'vitest';
import { provisionSignIn } from '../api/temporal.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-server.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { insertSsoOrg } from './support/fixtures.ts';
import { testEmailHash } from './support/payload-keys.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

// Its own server, where a few events are "too many": lifecycles continue as new while sign-ins arrive.
let server: DevServer;
let h: TestHarness;
beforeAll(async () => {
  server = await startTemporalDevServer({ cli: await resolveTemporalCli(), namespace: 'default', dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 8 } });
  h = await startHarness({ address: server.address });
});
afterAll(async () => {
  await h?.stop();
  await server?.stop();
});

it('sign-ins arriving while the lifecycle continues as new are all answered, and its email change is kept', { timeout: 90_000 }, async () => {
  const { signIn, org } = await insertSsoOrg(h.sql);
  const input = signIn('cara');
  const first = await provisionSignIn(h, h.sql, h.taskQueue, input);
  expect(first).toMatchObject({ outcome: 'created' });
  const memberId = (first as { memberId: string }).memberId;
  const lifecycle = h.client.workflow.getHandle(memberWorkflowId(org.slug, memberId));
  const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => provisionSignIn(h, h.sql, h.taskQueue, { ...input, name: `cara ${i}` })));
  for (const outcome of burst) expect(outcome).toMatchObject({ outcome: 'signed_in', memberId });
  const newEmail = `cara.new@${org.slug}.test`;
  expect(await provisionSignIn(h, h.sql, h.taskQueue, { ...input, email: newEmail, emailHash: testEmailHash(newEmail) })).toMatchObject({ outcome: 'signed_in', memberId });
  await Promise.all(Array.from({ length: 6 }, (_, i) => provisionSignIn(h, h.sql, h.taskQueue, { ...input, email: newEmail, emailHash: testEmailHash(newEmail), name: `x${i}` })));
  const state = await eventually(() => lifecycle.query(memberStateQuery).catch(() => undefined));
  expect(state).toMatchObject({ memberId, emailHash: testEmailHash(newEmail), status: 'active' });
  const runs = [];
  for await (const run of h.client.workflow.list({ query: `WorkflowId = '${lifecycle.workflowId}'` })) runs.push(run.status.name);
  expect(runs.filter((s) => s === 'RUNNING')).toHaveLength(1);
  expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThan(0);
  await lifecycle.terminate('test finished');
});
