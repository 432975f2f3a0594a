/**
 * A minimal browser over fetch: a cookie jar (host and path scoped), manual redirects, and form
 * submission, enough to walk a real authorization code flow between the app and the IdP.
 */
interface StoredCookie {
  value: string;
  path: string;
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export class TestBrowser {
  readonly jar = new Map<string, Map<string, StoredCookie>>();

  /** `headers` go with every request (say `accept: text/html`, as a real browser's navigations). */
  constructor(private readonly headers: Record<string, string> = {}) {}

  cookies(url: string): Map<string, StoredCookie> {
    const host = new URL(url).hostname;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    return this.jar.get(host)!;
  }

  cookie(url: string, name: string): string | undefined {
    return this.cookies(url).get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path = '/') {
    this.cookies(url).set(name, { value, path });
  }

  private cookieHeader(url: string): string {
    const { pathname } = new URL(url);
    return [...this.cookies(url)]
      .filter(([, c]) => pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  private store(url: string, res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) || '/';
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      if (expired || value === '') this.cookies(url).delete(name);
      else this.cookies(url).set(name, { value, path });
    }
  }

  /** One request, no redirect following. */
  async request(url: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(this.headers);
    for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(url, res);
    return { url, status: res.status, headers: res.headers, body: await res.text() };
  }

  /** Follows redirects like a browser, stopping early when `until` matches the next URL. */
  async follow(url: string, init: RequestInit = {}, until?: (next: string) => boolean): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; page.status >= 300 && page.status < 400 && hops < 20; hops++) {
      const next = new URL(page.headers.get('location')!, page.url).href;
      if (until?.(next)) return { ...page, url: next };
      page = await this.request(next);
    }
    return page;
  }

  /** Submits the page's first form (hidden inputs plus `fields`) and follows what comes back. */
  submit(page: Page, fields: Record<string, string> = {}, until?: (next: string) => boolean): Promise<Page> {
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url} (status ${page.status}): ${page.body.slice(0, 300)}`);
    const data = new URLSearchParams();
    for (const [tag] of form[2]!.matchAll(/<input[^>]*>/gi)) {
      const name = /name="([^"]+)"/.exec(tag)?.[1];
      if (name) data.set(name, /value="([^"]*)"/.exec(tag)?.[1] ?? '');
    }
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    return this.follow(
      new URL(form[1]!.replaceAll('&amp;', '&'), page.url).href,
      { method: 'POST', body: data, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      until,
    );
  }
}
