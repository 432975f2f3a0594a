import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Tags from v1.6.0 on do not build from the module proxy (nested `replace ./cliext`). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const cacheDir = fileURLToPath(new URL('../.cache/temporal-cli/', import.meta.url));
const cachedBinary = join(cacheDir, 'temporal');

export type TemporalCli = { kind: 'binary'; path: string; source: string } | { kind: 'sdk-download' };

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

function goInstall(log: (line: string) => void): Promise<boolean> {
  if (spawnSync('go', ['version']).status !== 0) return Promise.resolve(false);
  mkdirSync(cacheDir, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (a few minutes the first time)...`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('go', ['install', '-v', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: cacheDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let packages = 0;
    const tail: string[] = [];
    // `go install -v` names each package as it compiles it: a progress count for a long first build.
    createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (!line.startsWith('go: ') && ++packages % 200 === 0) log(`  ...${packages} packages compiled`);
    });
    child.on('close', (status) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      if (status === 0 && isExecutable(cachedBinary)) {
        log(`built ${cachedBinary} in ${seconds}s`);
        resolve(true);
      } else {
        log(`go install failed after ${seconds}s:\n${tail.join('\n')}`);
        resolve(false);
      }
    });
  });
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build, a fresh
 * `go install`, and last the SDK's own download (which needs internet).
 */
export async function resolveTemporalCli(log: (line: string) => void = console.error): Promise<TemporalCli> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return { kind: 'binary', path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { kind: 'binary', path: fromPath, source: 'PATH' };
  if (isExecutable(cachedBinary)) return { kind: 'binary', path: cachedBinary, source: 'cache' };
  if (await goInstall(log)) return { kind: 'binary', path: cachedBinary, source: 'go install' };
  log('no Temporal CLI found or built; falling back to the SDK download (needs internet)');
  return { kind: 'sdk-download' };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cli = await resolveTemporalCli();
  console.log(cli.kind === 'binary' ? `${cli.path} (${cli.source})` : 'sdk-download');
}
