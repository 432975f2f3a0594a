import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { activityPorts } from '../temporal/activity-ports.ts';
import { provisionSignIn } from '../api/temporal.ts';
import { createMailer } from '../worker/mailer.ts';
import { insertSsoOrg } from './support/fixtures.ts';
import { reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

// The harness's own worker polls another queue; the legacy worker below serves `taskQueue`.
let h: TestHarness;
let legacy: Worker;
let running: Promise<void>;
const taskQueue = `legacy-${randomUUID()}`;

beforeAll(async () => {
  h = await startHarness();
  legacy = await Worker.create({
    connection: h.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./support/legacy/sign-in-workflow.ts', import.meta.url)),
    activities: createActivities({
      sql: h.sql,
      mailer: createMailer('smtp://127.0.0.1:1', 'x@y.example'),
      temporal: activityPorts(h.client, taskQueue),
      reminders: reminderSettings(),
    }),
  });
  running = legacy.run();
});
afterAll(async () => {
  legacy?.shutdown();
  await running;
  await h?.stop();
});

it('a new api signs people in through a worker still on the code before the early-return update', async () => {
  const { org, signIn } = await insertSsoOrg(h.sql);
  const outcome = await provisionSignIn(h, taskQueue, signIn('ada'));
  expect(outcome).toMatchObject({ outcome: 'created', orgRole: 'member' });
  expect(await h.sql`select email from members where org_id = ${org.id}`).toEqual([{ email: `ada@${org.slug}.test` }]);
});
