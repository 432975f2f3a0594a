/**
 * The floor every load phase is judged by, measured on the target's own Temporal server and
 * database: a workflow start whose one local activity runs the provisioning transaction (an
 * insert of member, identity and audit), at a given concurrency. Its worker runs in the bench
 * process on a task queue of its own, so the target's workers never see it.
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { provisioningActivities } from '../activities/provisioning.ts';
import { createSql } from '../db/client.ts';
import { insertSsoOrg, uniqueSlug } from '../test/support/fixtures.ts';
import { unseededPorts } from '../test/support/unseeded-ports.ts';
import { oneLocalActivityWorkflow } from './floor-workflows.ts';
import { atConcurrency, type Measured } from './stats.ts';
import type { Target } from './target.ts';
import { dataConverter } from '../temporal/data-converter.ts';
import { loadConfig } from '../config/index.ts';

/** The floor worker's task queue: the target's workers never see it. */
export const FLOOR_TASK_QUEUE = 'bench-floor';

export interface Floor {
  /** `n` floor workflows, `concurrency` in flight, each inserting a new member. */
  measure(n: number, concurrency: number): Promise<Measured>;
  /** One floor workflow inserting member `i` of a fresh organisation (for interleaved measures). */
  call(): Promise<(i: number) => Promise<void>>;
  stop(): Promise<void>;
}

export async function startFloor(target: Target): Promise<Floor> {
  const { address, namespace } = target.temporal;
  const taskQueue = FLOOR_TASK_QUEUE;
  const sql = createSql(target.databaseUrl);
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const converter = dataConverter(loadConfig(target.env).payloadKeys);
  const client = new Client({ connection, namespace, dataConverter: converter });
  const worker = await Worker.create({
    connection: native,
    namespace,
    taskQueue,
    dataConverter: converter,
    workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)),
    // Floor workflows ask their provisioning for no lifecycle seed.
    activities: provisioningActivities(sql, loadConfig(target.env).reminders, unseededPorts),
  });
  const running = worker.run();
  async function call() {
    const { org, signIn } = await insertSsoOrg(sql, uniqueSlug('floor'));
    return async (i: number) => {
      await client.workflow.execute(oneLocalActivityWorkflow, { taskQueue, workflowId: `floor/${org.slug}/${i}`, args: [signIn(`person-${i}`)] });
    };
  }
  return {
    call,
    async measure(n, concurrency) {
      return atConcurrency(n, concurrency, await call());
    },
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([connection.close(), native.close(), sql.end()]);
    },
  };
}
