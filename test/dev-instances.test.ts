import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../dev/ports.ts';
import { DevRun, devEnvironment } from './support/dev-run.ts';
import { root } from './support/processes.ts';

const runs: DevRun[] = [];
afterAll(() => runs.splice(0).forEach((run) => run.cleanUp()));

/** `npm run dev` on `env`, once its banner says it is ready. */
async function startDev(env: Record<string, string>): Promise<DevRun> {
  const run = new DevRun(env);
  runs.push(run);
  await run.waitForOutput(/\[dev\] Ctrl-C stops everything/, 240_000);
  return run;
}

/**
 * A start of `npm run dev` takes most of this file's time, so the SIGKILL test hands the instance it
 * restarted to the test after it, which needs one running (and stops it); run alone, that test starts its own.
 */
let running: { run: DevRun; env: Record<string, string> } | undefined;

async function runningDev(): Promise<{ run: DevRun; env: Record<string, string> }> {
  const handed = running;
  running = undefined;
  if (handed) return handed;
  const env = { ...(await devEnvironment()), DEV_DATABASE: 'embedded' };
  return { run: await startDev(env), env };
}

/** `npm run cli` as an operator types it next to `npm run dev`: no DATABASE_URL of its own. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const inherited = { ...process.env };
  for (const name of ['DATABASE_URL', 'APP_ENV', 'TEMPORAL_ADDRESS', 'DEV_DATA_DIR']) delete inherited[name];
  const child = spawn('npm', ['run', '--silent', 'cli', '--', ...args], { cwd: root, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })));
}

it(
  'npm run dev starts again on its state folder after it was killed with SIGKILL (its record and children left behind)',
  async () => {
    const env: Record<string, string> = { ...(await devEnvironment()), DEV_DATABASE: 'embedded' };
    const first = await startDev(env);
    // The process that runs dev/main.ts itself (devMain() may name tsx's launcher above it).
    const mains = [...first.seen.values()].filter((p) => p.cmdline.includes('dev/main.ts'));
    const main = mains.find((p) => !mains.some((child) => child.ppid === p.pid))!;
    process.kill(main.pid, 'SIGKILL');
    await first.exited;

    const again = new DevRun(env);
    runs.push(again);
    await again.waitForOutput(/\[dev\] Ctrl-C stops everything/, 240_000).catch((err: Error) => {
      throw new Error(`${err.message}\nleft running after SIGKILL: ${first.survivors().join(' | ')}`);
    });
    expect((await fetch(`${env.PUBLIC_URL}/readyz`)).status).toBe(200);
    // The next test stops it with SIGINT and checks that it exits cleanly, leaving nothing behind.
    running = { run: again, env };
  },
  600_000,
);

it(
  'the CLI finds the database of a running npm run dev with moved ports; a second npm run dev refuses to share its Temporal task queue, in one line',
  async () => {
    const { run: first, env } = await runningDev();
    const databaseUrl = `postgres://postgres@127.0.0.1:${env.DEV_DATABASE_PORT}/postgres`;
    expect(first.stdout).toContain(`[dev] CLI:         npm run cli -- org list  (finds this database while this runs; elsewhere DATABASE_URL=${databaseUrl})`);

    const listed = await cli(['org', 'list'], { DEV_DATA_DIR: env.DEV_DATA_DIR! });
    expect(listed, listed.err).toMatchObject({ code: 0, out: expect.stringMatching(/^acme\t/m) });
    expect(listed.err).toMatch(new RegExp(`^using the database of npm run dev \\(pid \\d+\\) at 127\\.0\\.0\\.1:${env.DEV_DATABASE_PORT}\n$`));

    // Every port moved but the state folder: the first instance's record refuses it.
    const again = await devEnvironment();
    const sameFolder = new DevRun({ ...again, DEV_DATABASE: 'embedded', DEV_DATA_DIR: env.DEV_DATA_DIR!, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS! });
    expect(await sameFolder.exited).not.toBe(0);
    const [sharing, ...more] = sameFolder.devErrorLines();
    expect(more).toEqual([]);
    expect(sharing).toMatch(/^\[dev\] another npm run dev \(pid \d+\) runs on the state folder /);
    expect(sharing).toContain(`${env.DEV_DATA_DIR}: stop it, or run this one apart with its own DEV_DATA_DIR and its own TEMPORAL_ADDRESS (and DEV_TEMPORAL_UI_PORT), so it starts a Temporal dev server of its own`);
    expect(sameFolder.survivors()).toEqual([]);

    // A folder of its own but the first one's Temporal: its worker on the task queue refuses it.
    const otherFolder = new DevRun({ ...(await devEnvironment()), DEV_DATABASE: 'embedded', TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS! });
    runs.push(otherFolder);
    expect(await otherFolder.exited).not.toBe(0);
    const [refusal, ...rest] = otherFolder.devErrorLines();
    expect(rest).toEqual([]);
    expect(refusal).toMatch(new RegExp(`^\\[dev\\] the Temporal server at ${env.TEMPORAL_ADDRESS} already has a worker on task queue "provisioning" \\(\\d+@`));
    expect(otherFolder.survivors()).toEqual([]);

    // The first instance is untouched and still serves.
    expect((await fetch(`${env.PUBLIC_URL}/readyz`)).status).toBe(200);
    process.kill(first.devMain().pid, 'SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.survivors()).toEqual([]);
  },
  420_000,
);

it('the CLI says in one line, exit 2, that PostgreSQL cannot be reached', async () => {
  const port = await freePort();
  const unreachable = await cli(['org', 'list'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/sso`, DEV_DATA_DIR: mkdtempSync(join(tmpdir(), 'sso-cli-')) });
  expect(unreachable.code).toBe(2);
  expect(unreachable.out).toBe('');
  expect(unreachable.err.trim().split('\n')).toEqual([
    `error: PostgreSQL at 127.0.0.1:${port} refuses connections (no server listens there): start it or set DATABASE_URL (with DATABASE_URL unset, the CLI uses the database of a running npm run dev, found in its state folder DEV_DATA_DIR)`,
  ]);
}, 60_000);

it(
  "npm run dev is not refused by a stale record that names its own pid (a container restarted after SIGKILL hands out the same pids)",
  async () => {
    const env: Record<string, string> = { ...(await devEnvironment()), DEV_DATABASE: 'embedded' };
    const inherited = { ...process.env };
    for (const name of ['DATABASE_URL', 'APP_ENV', 'LOG_LEVEL', 'DEV_DATABASE']) delete inherited[name];
    // The shell writes the record a killed instance would have left, with its own pid, then becomes dev/main.ts.
    const script = `printf '{"pid":%d,"env":{}}' $$ > "$DEV_DATA_DIR/dev-instance.json" && exec "$NODE_BIN" --import tsx dev/main.ts`;
    const dev = spawn('sh', ['-c', script], { cwd: root, env: { ...inherited, ...env, NODE_BIN: process.execPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    dev.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    dev.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = once(dev, 'close');
    const deadline = Date.now() + 240_000;
    // The record is judged before the database starts: once that is under way, the record was not refused.
    const pastTheRecord = '[dev] database: ';
    try {
      while (!output.includes(pastTheRecord) && dev.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(output).not.toContain('another npm run dev');
      expect(output).toContain(pastTheRecord);
    } finally {
      dev.kill('SIGINT');
      await exited;
      rmSync(env.DEV_DATA_DIR!, { recursive: true, force: true });
    }
  },
  300_000,
);
