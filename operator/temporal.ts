import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import { dataConverter } from '../temporal/data-converter.ts';

const TEMPORAL_DEADLINE_MS = 5_000;

/** Runs `use` with a client of the configured Temporal, connecting and answering within a few seconds, and closes it. */
export async function withTemporal<T>(config: Config, use: (client: Client) => Promise<T>): Promise<T> {
  const { address, namespace } = config.temporal;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: TEMPORAL_DEADLINE_MS });
    const client = new Client({ connection, namespace, dataConverter: dataConverter(config.payloadKeys) });
    return await connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () => use(client));
  } finally {
    await connection?.close();
  }
}
