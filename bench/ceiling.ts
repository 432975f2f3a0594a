/**
 * A reference for a burst of first sign-ins against this target's floor: the same browser flow
 * against a real OpenID Provider, ending at a relying party that does the least a sign-in
 * provisioned through Temporal can do (bench/ceiling-rp.ts, its own process as the api is, with
 * its own IdP in that process), measured beside the floor and the burst. It is not a strict bound:
 * its processes are arranged differently from the api's, and since one workflow per first sign-in
 * the burst reaches about as much, sometimes more (docs/load-bench.md).
 */
import { startChild } from '../dev/children.ts';
import { freePort } from '../dev/ports.ts';
import { TestBrowser } from '../test/support/browser.ts';
import { walkSignIn } from '../test/support/sso.ts';
import { root, waitForHttp, type Target } from './target.ts';

export interface Ceiling {
  /** The relying party's process (its IdP runs there too), for CPU time. */
  pid: number;
  /** One first sign-in of a new person; resolves to the callback's milliseconds. */
  signIn(person: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startCeiling(target: Target): Promise<Ceiling> {
  const port = await freePort();
  const rpUrl = `http://localhost:${port}`;
  const child = startChild({
    name: 'ceiling',
    entry: 'bench/ceiling-rp.ts',
    cwd: root,
    env: {
      ...process.env,
      ...target.env,
      PORT: String(port),
      DATABASE_URL: target.databaseUrl,
      TEMPORAL_ADDRESS: target.temporal.address,
      TEMPORAL_NAMESPACE: target.temporal.namespace,
    },
    // The IdP's start-up notices are the same as the bench's own IdP's.
    format: (source, line) => (line.startsWith('oidc-provider') ? undefined : `[${source}] ${line}`),
    onExit: (code, signal) => console.error(`bench: the ceiling's relying party exited unasked (${code ?? signal})`),
  });
  const exited = new Promise<never>((_, reject) => child.process.once('exit', (code, signal) => reject(new Error(`the ceiling's relying party exited at start (${code ?? signal})`))));
  await Promise.race([waitForHttp(`${rpUrl}/readyz`, 60_000), exited]).catch(async (err: unknown) => {
    await child.stop(5_000);
    throw err;
  });
  const isCallback = (url: string) => url.startsWith(`${rpUrl}/callback`);
  return {
    pid: child.process.pid!,
    async signIn(person) {
      const browser = new TestBrowser();
      const atCallback = await walkSignIn(browser, rpUrl, `${rpUrl}/login?person=${encodeURIComponent(person)}`, person, isCallback);
      if (!isCallback(atCallback.url)) throw new Error(`${person}: the ceiling's flow ended at ${atCallback.url} (${atCallback.status})`);
      const started = performance.now();
      const callback = await browser.request(atCallback.url);
      const took = performance.now() - started;
      if (callback.status !== 302) throw new Error(`${person}: the ceiling's callback answered ${callback.status}: ${callback.body.slice(0, 300)}`);
      return took;
    },
    stop: () => child.stop(10_000),
  };
}
