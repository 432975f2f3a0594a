import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { searchAttributes } from '../workflows/definitions.ts';
import { freePort } from './ports.ts';
import type { TemporalCli } from './temporal-cli.ts';

export interface DevServerOptions {
  cli: TemporalCli;
  namespace: string;
  port?: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** The codec server the Web UI asks to decode payloads (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** SQLite file to keep state across restarts; omit for in-memory (tests). */
  dbFile?: string;
  log?: (line: string) => void;
  /** Server dynamic config, e.g. a low `limit.historyCount.suggestContinueAsNew` to force continue-as-new (tests). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Aborting stops a server that is still starting (the start then fails). */
  signal?: AbortSignal;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** The server's process (undefined when the SDK's download runs it). */
  pid: number | undefined;
  stop(): Promise<void>;
}

const cliTypeNames: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** `--search-attribute Name=Type` for every key in the definitions module: one source of truth. */
export function searchAttributeArgs(): string[] {
  return Object.values(searchAttributes).flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeNames[key.type]}`]);
}

const dynamicConfigArgs = (values: DevServerOptions['dynamicConfig'] = {}) =>
  Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);

const uiCodecArgs = ({ uiPort, uiCodecEndpoint }: DevServerOptions) => (uiPort && uiCodecEndpoint ? ['--ui-codec-endpoint', uiCodecEndpoint] : []);

/**
 * Polls until the server answers. The SDK's own wait (~5 s) is too short for a cold start on a
 * 2-core machine, so the process is spawned here and waited on for up to `timeoutMs`.
 */
export async function waitForTemporal(address: string, timeoutMs: number, exited?: () => string | undefined) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const why = exited?.();
    if (why) throw new Error(`Temporal dev server exited before it was ready: ${why}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  const uiUrl = options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined;

  if (options.cli.kind === 'sdk-download') {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const { why } = options.cli;
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: '127.0.0.1',
        port,
        namespace: options.namespace,
        ui: Boolean(options.uiPort),
        ...(options.uiPort ? { uiPort: options.uiPort } : {}),
        ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
        extraArgs: [...searchAttributeArgs(), ...uiCodecArgs(options), ...dynamicConfigArgs(options.dynamicConfig)],
      },
    }).catch((err: unknown) => {
      const cause = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new Error(
        `no Temporal CLI: ${why}, and the SDK's download failed (${cause}); install the Temporal CLI and set TEMPORAL_CLI_PATH, or give Go access to the Go module proxy`,
      );
    });
    return { address, ...(uiUrl ? { uiUrl } : {}), pid: undefined, stop: () => env.teardown() };
  }

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  // "default" always exists; asking for it again is refused.
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  args.push(...searchAttributeArgs());
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), ...uiCodecArgs(options));
  else args.push('--headless');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  args.push(...dynamicConfigArgs(options.dynamicConfig));

  const child = spawn(options.cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    options.log?.(chunk.trimEnd());
  });
  const abort = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', abort, { once: true });
  const lastLine = () => stderr.trim().split('\n').pop() ?? '';
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null ? `${child.exitCode ?? child.signalCode}: ${lastLine()}` : undefined;
  try {
    await waitForTemporal(address, 120_000, exited);
  } catch (err) {
    await stopChild(child);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  return { address, ...(uiUrl ? { uiUrl } : {}), pid: child.pid, stop: () => stopChild(child) };
}
