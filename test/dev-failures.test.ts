import { createServer, type Server } from 'node:net';
import { afterEach, expect, inject, it } from 'vitest';
import { freePort } from '../dev/ports.ts';
import { DevRun, devEnvironment } from './support/dev-run.ts';

const runs: DevRun[] = [];
afterEach(() => runs.splice(0).forEach((run) => run.cleanUp()));

async function failingDev(env: Record<string, string>) {
  const run = new DevRun({ ...(await devEnvironment()), ...env });
  runs.push(run);
  const code = await run.exited;
  return { code, lines: run.devErrorLines(), survivors: run.survivors() };
}

it('stops with one line naming DATABASE_URL when it is set and nothing answers there, and leaves nothing running', async () => {
  const port = await freePort();
  const { code, lines, survivors } = await failingDev({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/sso_dev` });
  expect(code).not.toBe(0);
  expect(lines).toEqual([
    `[dev] PostgreSQL at 127.0.0.1:${port} (DATABASE_URL) refuses connections (no server listens there): start it or correct DATABASE_URL, or unset DATABASE_URL to use an embedded PostgreSQL`,
  ]);
  expect(survivors).toEqual([]);
}, 60_000);

it('stops with one line naming the port and its variable when the api port is taken', async () => {
  const port = await freePort();
  const blocker: Server = await new Promise((resolve) => {
    const s = createServer().listen(port, () => resolve(s));
  });
  try {
    const { code, lines, survivors } = await failingDev({ PORT: String(port), PUBLIC_URL: `http://localhost:${port}`, DATABASE_URL: inject('databaseUrl') });
    expect(code).not.toBe(0);
    expect(lines).toEqual([`[dev] port ${port} (api) is already in use: stop what listens there, or set PORT to another port`]);
    expect(survivors).toEqual([]);
  } finally {
    blocker.close();
  }
}, 60_000);

it('stops the embedded PostgreSQL it started when the Temporal CLI cannot be had, after one line saying what to do', async () => {
  const { code, lines, survivors } = await failingDev({ DEV_DATABASE: 'embedded', TEMPORAL_CLI_PATH: '/nonexistent/temporal' });
  expect(code).not.toBe(0);
  expect(lines).toEqual(['[dev] Temporal dev server: TEMPORAL_CLI_PATH=/nonexistent/temporal is not an executable file: point it at a temporal binary, or unset it']);
  expect(survivors).toEqual([]);
}, 90_000);

it('stops the Temporal dev server, the worker and the embedded PostgreSQL when the api fails to start, and says which part failed', async () => {
  const env: Record<string, string> = { ...(await devEnvironment()), DEV_DATABASE: 'embedded' };
  const run = new DevRun(env);
  runs.push(run);
  // The ports were free when dev checked them; the api's is taken while Temporal starts, before the api listens.
  await run.waitForOutput(/\[dev\] starting the Temporal dev server/, 120_000);
  const blocker: Server = await new Promise((resolve) => {
    const s = createServer().listen(Number(env.PORT), () => resolve(s));
  });
  try {
    expect(await run.exited).not.toBe(0);
    expect(run.devErrorLines()).toEqual(['[dev] api exited (1) unexpectedly; its output above says why']);
    expect(run.stderr).toContain('EADDRINUSE');
    const commands = [...run.seen.values()].map((p) => p.cmdline);
    for (const started of [/temporal server start-dev/, /worker\/main\.ts/]) expect(commands.some((c) => started.test(c)), `${started} in ${commands.join(' | ')}`).toBe(true);
    expect(run.survivors()).toEqual([]);
  } finally {
    blocker.close();
  }
}, 240_000);
