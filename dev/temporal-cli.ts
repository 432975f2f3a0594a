import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Tags from v1.6.0 on do not build from the module proxy (nested `replace ./cliext`). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const cacheDir = fileURLToPath(new URL('../.cache/temporal-cli/', import.meta.url));
const cachedBinary = join(cacheDir, 'temporal');
/** The last `go install`'s output, for when it fails. */
export const goInstallLog = join(cacheDir, 'go-install.log');

/** `sdk-download` says why no binary was found or built, for the message if the download fails too. */
export type TemporalCli = { kind: 'binary'; path: string; source: string } | { kind: 'sdk-download'; why: string };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

/** Builds the CLI into the cache; resolves to why it could not, or undefined once built. */
function goInstall(log: (line: string) => void, signal?: AbortSignal): Promise<string | undefined> {
  if (spawnSync('go', ['version']).status !== 0) return Promise.resolve('Go is not installed');
  mkdirSync(cacheDir, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (about 6 minutes the first time on 2 cores)...`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('go', ['install', '-v', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: cacheDir },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    child.on('error', () => {});
    const output = createWriteStream(goInstallLog);
    let packages = 0;
    let lastLine = '';
    // `go install -v` names each package as it compiles it: a progress count for a long first build.
    createInterface({ input: child.stderr }).on('line', (line) => {
      output.write(`${line}\n`);
      if (line.trim()) lastLine = line.trim();
      if (!line.startsWith('go: ') && ++packages % 200 === 0) log(`  ...${packages} packages compiled`);
    });
    child.on('close', (status, killedBy) => {
      output.end();
      const seconds = Math.round((Date.now() - started) / 1000);
      if (status === 0 && isExecutable(cachedBinary)) {
        log(`built ${cachedBinary} in ${seconds}s`);
        resolve(undefined);
      } else {
        resolve(`go install ${TEMPORAL_CLI_VERSION} failed after ${seconds}s (${killedBy ?? `exit ${status}`}: ${lastLine}; full output in ${goInstallLog})`);
      }
    });
  });
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build, a fresh
 * `go install`, and last the SDK's own download (which needs internet).
 */
export async function resolveTemporalCli(log: (line: string) => void = console.error, signal?: AbortSignal): Promise<TemporalCli> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file: point it at a temporal binary, or unset it`);
    return { kind: 'binary', path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { kind: 'binary', path: fromPath, source: 'PATH' };
  if (isExecutable(cachedBinary)) return { kind: 'binary', path: cachedBinary, source: 'cache' };
  const why = await goInstall(log, signal);
  if (!why) return { kind: 'binary', path: cachedBinary, source: 'go install' };
  signal?.throwIfAborted();
  log(`no Temporal CLI found or built (${why}); falling back to the SDK download (needs internet)`);
  return { kind: 'sdk-download', why };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cli = await resolveTemporalCli();
  console.log(cli.kind === 'binary' ? `${cli.path} (${cli.source})` : 'sdk-download');
}
