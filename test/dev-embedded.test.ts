import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TestBrowser } from './support/browser.ts';
import { DevRun, devEnvironment } from './support/dev-run.ts';

let run: DevRun | undefined;
afterAll(() => run?.cleanUp());

it(
  'npm run dev with the embedded PostgreSQL signs alice in through the dev IdP, logs readable lines, serves the codec server to the dev UI, and leaves no process behind on SIGINT',
  async () => {
    const env = await devEnvironment();
    const app = env.PUBLIC_URL!;
    run = new DevRun({ ...env, DEV_DATABASE: 'embedded' });
    await run.waitForOutput(/\[dev\] Ctrl-C stops everything/, 240_000);
    expect(run.stdout).toContain(`[dev] Database:    embedded PostgreSQL (PGlite) on 127.0.0.1:${env.DEV_DATABASE_PORT}`);
    console.log(/\[dev\] ready in .*/.exec(run.stdout)?.[0]);
    // Ready means a sign-in works: the worker polls already (a sign-in before it did, while it was
    // still bundling its workflows, waited out the callback's 20 s and answered 503).
    expect(run.stdout).toMatch(/INFO: worker\s+worker started/);

    const browser = new TestBrowser();
    const loginPage = await browser.follow(`${app}/login?email=alice@acme.test`);
    const consent = await browser.submit(loginPage, { login: 'alice', password: 'any' });
    const me = consent.url.startsWith(app) ? consent : await browser.submit(consent);
    expect(me.url, `${me.status} ${me.body.slice(0, 500)}`).toBe(`${app}/api/me`);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ member: { email: 'alice@acme.test', status: 'active' }, org: { slug: 'acme' }, orgRole: 'member', sites: [] });

    // One readable line per request and per workflow event; the bundler's webpack table stays out.
    // The api's and the worker's lines come through different pipes, in no fixed order.
    await run.waitForOutput(/workflow memberLifecycleWorkflow started {2}member\/acme\//, 30_000);
    await run.waitForOutput(/INFO: api GET \/api\/me 200 \d+ ms\n/, 30_000);
    await run.waitForOutput(/INFO: worker activity provisionIdentity done in \d+ ms {2}member\/acme\//, 30_000);
    expect(run.stdout).toContain('workflow bundle built');
    expect(run.stdout).not.toMatch(/webpack|compiled successfully|^\{"level"/m);

    // The codec server decodes for the dev UI's origin without a token, for anything else with the one kept in the state folder.
    const codec = `http://127.0.0.1:${env.CODEC_SERVER_PORT}`;
    expect(run.stdout).toContain(`[dev] Codec:       ${codec}  (CLI: temporal workflow show -w <id> --codec-endpoint ${codec} --codec-auth`);
    const decode = (headers: Record<string, string>) =>
      fetch(`${codec}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"payloads":[]}' }).then((r) => r.status);
    expect(await decode({ origin: `http://127.0.0.1:${env.DEV_TEMPORAL_UI_PORT}` })).toBe(200);
    expect(await decode({})).toBe(401);
    const token = readFileSync(join(env.DEV_DATA_DIR!, 'codec-server-token'), 'utf8');
    expect(await decode({ authorization: `Bearer ${token}` })).toBe(200);

    const main = run.devMain();
    process.kill(main.pid, 'SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stdout).toContain('[dev] stopped');
    const commands = [...run.seen.values()].map((p) => p.cmdline);
    for (const started of [/temporal server start-dev .*--ui-codec-endpoint http:\/\/127\.0\.0\.1:\d+/, /api\/main\.ts/, /worker\/main\.ts/, /codec-server\/main\.ts/]) {
      expect(commands.some((c) => started.test(c)), String(started)).toBe(true);
    }
    expect(run.survivors()).toEqual([]);
  },
  360_000,
);
