import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, type PayloadKey } from './payload-codec.ts';

// The sources under tsx and vitest, their compiled JavaScript in dist/ (see worker/workflow-code.ts).
const extension = import.meta.url.endsWith('.js') ? 'js' : 'ts';

/** For DataConverter and bundleWorkflowCode: the workflow bundle must encode its failures like the worker. */
export const failureConverterPath = fileURLToPath(new URL(`./failure-converter.${extension}`, import.meta.url));

/**
 * The one data converter of every client and worker: payloads (inputs, results, signals, queries,
 * updates, memos, heartbeats) and failures (messages, stack traces) leave the process encrypted.
 * A client without it could still start workflows, whose workers could then not read them: so
 * nothing builds a Client or Worker without this.
 */
export function dataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath };
}
