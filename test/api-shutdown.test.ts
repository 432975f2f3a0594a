import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../dev/ports.ts';
import { firstSignInLifecycleId } from './support/provisioning.ts';
import { TestBrowser } from './support/browser.ts';
import { spawnEntry } from './support/processes.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

// No worker polls this queue until the test starts one: the api's sign-in waits on it meanwhile.
const apiQueue = `shutdown-${randomUUID()}`;

let h: TestHarness;
let world: SsoWorld;
let late: TestHarness | undefined;
let api: ChildProcess;
let apiUrl: string;
let apiOutput = '';
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

/** One request on a fresh connection, so a closed listener shows as a refused connection. */
function probe(url: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [{ login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada' }]);
  const port = await freePort();
  apiUrl = `http://localhost:${port}`;
  // The api process answers for the world's public URL (the redirect URI registered at the IdP), as behind a proxy.
  api = spawnEntry('api/main.ts', [], {
    TASK_QUEUE: apiQueue,
    PORT: String(port),
    PUBLIC_URL: world.appUrl,
    SHUTDOWN_GRACE_SECONDS: '2',
    LOG_LEVEL: 'info',
  });
  api.stdout!.setEncoding('utf8').on('data', (d: string) => (apiOutput += d));
  api.stderr!.setEncoding('utf8').on('data', (d: string) => (apiOutput += d));
  exited = new Promise((resolve) => api.on('exit', (code, signal) => resolve({ code, signal })));
  await eventually(async () => ((await probe(`${apiUrl}/readyz`)) as { status?: number }).status === 200 || undefined, 60_000);
});
afterAll(async () => {
  if (api?.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
  await late?.stop();
  await world?.stop();
  await h?.stop();
});

it('on SIGTERM, turns unready, stops accepting connections, answers the sign-in in flight, then exits 0', async () => {
  const browser = new TestBrowser();
  const paused = await world.signIn(browser, 'ada', { until: (url) => url.startsWith(`${world.appUrl}/auth/${world.org.slug}/callback`) });
  const callback = new URL(paused.url);
  callback.port = new URL(apiUrl).port;
  const cookie = [...browser.cookies(world.appUrl)].map(([k, v]) => `${k}=${v.value}`).join('; ');
  let settled = false;
  const inFlight = fetch(callback, { headers: { cookie }, redirect: 'manual' }).finally(() => (settled = true));

  // The callback now waits on the lifecycle its first sign-in started, which no worker picks up yet.
  const [connection] = await h.sql<{ id: string }[]>`select id from sso_connections where org_id = ${world.org.id}`;
  const signIn = h.client.workflow.getHandle(firstSignInLifecycleId(world.org.slug, connection!.id, world.idp.issuer, 'ada'));
  await eventually(() => signIn.describe().catch(() => undefined));

  api.kill('SIGTERM');
  const unready = await eventually(async () => {
    const res = await probe(`${apiUrl}/readyz`);
    return 'status' in res && res.status === 503 ? res : undefined;
  });
  expect(JSON.parse(unready.body)).toMatchObject({ status: 'draining', message: expect.stringContaining('shutting down') });
  await eventually(async () => ('error' in (await probe(`${apiUrl}/healthz`)) ? true : undefined));
  expect(settled).toBe(false);

  late = await startHarness({ taskQueue: apiQueue });
  const res = await inFlight;
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('/api/me');
  expect(res.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(true);
  expect(await h.sql`select 1 from members where org_id = ${world.org.id} and email = ${`ada@${world.domain}`}`).toHaveLength(1);

  expect(await exited, apiOutput).toEqual({ code: 0, signal: null });
});
