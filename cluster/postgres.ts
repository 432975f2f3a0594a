/**
 * A private PostgreSQL cluster (initdb, pg_ctl) on its own port and data folder, never the
 * machine's shared server: the cluster test stops it for an outage. Password authentication
 * throughout, as in production, so the app's least-privileged role is what it connects as.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivatePostgres {
  port: number;
  /** A superuser URL for `database`. */
  url(database: string): string;
  superuser: { user: string; password: string };
  start(): Promise<void>;
  /** A fast shutdown (the server rolls back open transactions and closes every connection). */
  stop(): Promise<void>;
  /** The server's own log, for a failure report. */
  logFile: string;
}

function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error('no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: install postgresql, or set PG_BIN to the folder with initdb and pg_ctl');
  return join('/usr/lib/postgresql', versions[0], 'bin');
}

const run = promisify(execFile);

/** PostgreSQL refuses to run as root: as root, the server's files and processes belong to the `postgres` user. */
function asServerUser(): { run: (command: string, args: string[]) => Promise<void>; owner?: { uid: number; gid: number } } {
  const fail = (command: string, args: string[]) => (err: { code?: number; stderr?: string; stdout?: string }) => {
    throw new Error(`${command} ${args.join(' ')} failed (${err.code}): ${err.stderr || err.stdout}`);
  };
  if (process.getuid?.() !== 0) return { run: (command, args) => run(command, args).then(() => undefined, fail(command, args)) };
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  return {
    run: (command, args) => run('runuser', ['-u', 'postgres', '--', command, ...args]).then(() => undefined, fail(command, args)),
    owner: { uid, gid },
  };
}

export async function createPrivatePostgres(options: { dir: string; port: number }): Promise<PrivatePostgres> {
  const bin = binDir();
  const { run, owner } = asServerUser();
  const superuser = { user: 'postgres', password: 'cluster-superuser' };
  mkdirSync(options.dir, { recursive: true });
  if (owner) chownSync(options.dir, owner.uid, owner.gid);
  const data = join(options.dir, 'data');
  const logFile = join(options.dir, 'postgres.log');
  const pwfile = join(options.dir, 'pwfile');
  writeFileSync(pwfile, superuser.password, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  await run(join(bin, 'initdb'), ['-D', data, '-U', superuser.user, '--pwfile', pwfile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-locale']);
  // TCP on loopback only (no socket file to clash with the machine's server); room for every pool.
  const settings = ['-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=''", '-c', 'max_connections=300'];
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, ...args]);
  return {
    port: options.port,
    superuser,
    url: (database) => `postgres://${superuser.user}:${superuser.password}@127.0.0.1:${options.port}/${database}`,
    start: () => pgCtl('-l', logFile, '-o', settings.join(' '), '-w', '-t', '60', 'start'),
    stop: () => pgCtl('-m', 'fast', '-w', '-t', '60', 'stop'),
    logFile,
  };
}
