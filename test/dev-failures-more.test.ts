import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { DevRun, devEnvironment } from './support/dev-run.ts';

// Second review of issue 9: more ways `npm run dev` can fail to start; each must be one [dev] line,
// a non-zero exit, and no process left behind.
const runs: DevRun[] = [];
afterEach(() => runs.splice(0).forEach((run) => run.cleanUp()));

async function failingDev(env: Record<string, string>) {
  const run = new DevRun(env);
  runs.push(run);
  const code = await run.exited;
  return { code, lines: run.devErrorLines(), survivors: run.survivors(), stderr: run.stderr };
}

const block = (port: number): Promise<Server> =>
  new Promise((resolve) => {
    const s = createServer().listen(port, '127.0.0.1', () => resolve(s));
  });

for (const [variable, what] of [
  ['DEV_IDP_PORT', 'dev IdP'],
  ['DEV_MAIL_PAGE_PORT', 'dev mail page'],
  ['DEV_DATABASE_PORT', 'embedded PostgreSQL'],
  ['CODEC_SERVER_PORT', 'codec server'],
] as const) {
  it(`stops with one line when the ${what} port (${variable}) is taken`, async () => {
    const env: Record<string, string> = { ...(await devEnvironment()), DEV_DATABASE: 'embedded' };
    const port = Number(env[variable]);
    const blocker = await block(port);
    try {
      const { code, lines, survivors } = await failingDev(env);
      expect(code).not.toBe(0);
      expect(lines).toEqual([`[dev] port ${port} (${what}) is already in use: stop what listens there, or set ${variable} to another port`]);
      expect(survivors).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 120_000);
}

it('stops with one line naming DATABASE_URL when it is not a URL', async () => {
  const { code, lines, survivors } = await failingDev({ ...(await devEnvironment()), DATABASE_URL: 'not a url' });
  expect(code).not.toBe(0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^\[dev\] .*DATABASE_URL/);
  expect(survivors).toEqual([]);
}, 120_000);
