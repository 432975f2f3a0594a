/**
 * The Temporal server and its SQL schema tool, for the cluster (`npm run test:cluster`): the
 * binaries from TEMPORAL_SERVER_DIR, else the git-ignored cache, else built there with
 * `go install`; the PostgreSQL schema ships in the same Go module, read from Go's module cache.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULE = 'go.temporal.io/server';
const PACKAGES = [`${MODULE}/cmd/server`, `${MODULE}/cmd/tools/sql`];
export const serverCacheDir = fileURLToPath(new URL('../.cache/temporal-server/', import.meta.url));

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** `schema/` of the module: `postgresql/v12/{temporal,visibility}/versioned`. */
  schemaDir: string;
  source: string;
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const inDir = (dir: string) => ({ server: join(dir, 'server'), sqlTool: join(dir, 'sql') });

/** Both binaries in one `go install` (one module, one build cache); about 5 minutes cold on 2 cores. */
function goInstall(log: (line: string) => void): Promise<void> {
  if (spawnSync('go', ['version']).status !== 0) throw new Error('Go is not installed: install Go, or set TEMPORAL_SERVER_DIR to a folder with the server and sql binaries');
  mkdirSync(serverCacheDir, { recursive: true });
  const logFile = join(serverCacheDir, 'go-install.log');
  log(`building the Temporal server ${TEMPORAL_SERVER_VERSION} with go install (about 5 minutes the first time on 2 cores)...`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['install', ...PACKAGES.map((p) => `${p}@${TEMPORAL_SERVER_VERSION}`)], {
      env: { ...process.env, GOBIN: serverCacheDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const output = createWriteStream(logFile);
    child.stderr.pipe(output);
    child.on('error', reject);
    child.on('close', (status) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      if (status === 0) {
        log(`built the Temporal server and sql tool in ${seconds}s`);
        resolve();
      } else reject(new Error(`go install of the Temporal server failed after ${seconds}s (exit ${status}); output in ${logFile}`));
    });
  });
}

/** The module's source in Go's module cache (there after a build; downloaded if a prebuilt binary came from elsewhere). */
function schemaDir(): string {
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = join(modCache, `${MODULE}@${TEMPORAL_SERVER_VERSION}`, 'schema');
  if (!existsSync(dir)) execFileSync('go', ['mod', 'download', `${MODULE}@${TEMPORAL_SERVER_VERSION}`], { stdio: 'ignore' });
  if (!existsSync(dir)) throw new Error(`no Temporal schema at ${dir} after go mod download`);
  return dir;
}

export async function resolveTemporalServer(log: (line: string) => void = console.error): Promise<TemporalServerBinaries> {
  const explicit = process.env.TEMPORAL_SERVER_DIR;
  if (explicit) {
    const found = inDir(explicit);
    if (!isExecutable(found.server) || !isExecutable(found.sqlTool)) {
      throw new Error(`TEMPORAL_SERVER_DIR=${explicit} must hold the executables server and sql (go install ${PACKAGES.join(' ')}), or unset it`);
    }
    return { ...found, schemaDir: schemaDir(), source: 'TEMPORAL_SERVER_DIR' };
  }
  const cached = inDir(serverCacheDir);
  if (isExecutable(cached.server) && isExecutable(cached.sqlTool)) return { ...cached, schemaDir: schemaDir(), source: 'cache' };
  await goInstall(log);
  return { ...cached, schemaDir: schemaDir(), source: 'go install' };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const found = await resolveTemporalServer();
  console.log(`${found.server} and ${found.sqlTool} (${found.source}); schema in ${found.schemaDir}`);
}
