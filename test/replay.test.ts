import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import { workflowSpanSinks } from '../worker/tracing.ts';
import { historiesDir } from './support/histories.ts';
import { quietRuntime } from './support/temporal.ts';
import { testDataConverter } from './support/payload-keys.ts';

quietRuntime();
const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

it('has recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

it.each(files)('replays %s deterministically with the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, file), 'utf8')));
  // The sink a worker without tracing has: the bundled tracing interceptors must not change what replays.
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: workflowSpanSinks(undefined), dataConverter: testDataConverter }, history);
});
