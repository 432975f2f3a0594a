/**
 * First sign-ins through Caddy, each the whole authorization code flow as a browser walks it
 * (app → IdP login form → consent → callback → /api/me), in a browser of its own. Someone whose
 * sign-in fails tries again a little later, as people do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TestBrowser, type Page } from '../../test/support/browser.ts';
import { pool } from './traffic.ts';
import type { Person, SeededOrg } from './world.ts';

export interface SignIn {
  org: SeededOrg;
  person: Person;
  /** Kept for after the load: the session cookie shows whether revocation reached it. */
  browser: TestBrowser;
  memberId?: string;
  /** ms of the attempt that succeeded (or the last one). */
  ms: number;
  attempts: { at: number; status: number; where: string }[];
  doneAt?: number;
}

/** Up to about half a minute of trying again: someone caught by an outage waits it out. */
const ATTEMPTS = 10;

/** Round robin over the organisations: every organisation's first sign-in comes in the first round. */
export function signInQueue(orgs: SeededOrg[], total: number): SignIn[] {
  const rounds = Math.max(0, ...orgs.map((o) => o.people.length));
  const queue: SignIn[] = [];
  for (let k = 0; k < rounds; k++) {
    for (const org of orgs) {
      const person = org.people[k];
      if (person && queue.length < total) queue.push({ org, person, browser: new TestBrowser(), ms: 0, attempts: [] });
    }
  }
  return queue;
}

const idpForm = (page: Page) => /<form/i.test(page.body) && !page.url.includes('/auth/');

async function attempt(url: string, signIn: SignIn): Promise<Page> {
  const { browser, org, person } = signIn;
  const start = await browser.follow(`${url}/auth/${org.slug}/login`);
  if (!idpForm(start)) return start;
  const consent = await browser.submit(start, { login: person.login, password: 'any' });
  if (consent.url.startsWith(url) || !idpForm(consent)) return consent;
  return browser.submit(consent, {});
}

/** Sign-ins not begun by `deadline` are left out (no attempts): a stalled cluster still gets its report. */
export async function runSignIns(url: string, queue: SignIn[], concurrency: number, deadline: number, onDone: (signIn: SignIn) => void): Promise<void> {
  await pool(queue, concurrency, async (signIn) => {
    for (let tries = 0; tries < ATTEMPTS && Date.now() < deadline; tries++) {
      const started = Date.now();
      let page: Page | undefined;
      try {
        page = await attempt(url, signIn);
      } catch (err) {
        signIn.attempts.push({ at: started, status: 0, where: String(err).slice(0, 200) });
      }
      signIn.ms = Date.now() - started;
      if (page) {
        signIn.attempts.push({ at: started, status: page.status, where: new URL(page.url).pathname });
        if (page.status === 200 && page.url.endsWith('/api/me')) {
          signIn.memberId = (JSON.parse(page.body) as { member: { id: string } }).member.id;
          break;
        }
      }
      await sleep(3_000);
    }
    signIn.doneAt = Date.now();
    onDone(signIn);
  });
}
