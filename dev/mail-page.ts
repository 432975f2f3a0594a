/**
 * Dev-only page of what the SMTP sink received: a list, newest first, and one page per message with
 * its HTML in a sandboxed frame (no scripts, no access to this page; links open in a new tab).
 */
import { createServer, type Server } from 'node:http';
import type { MailStore, StoredMail } from './mail-store.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Text made readable: escaped, its web addresses as links. */
const linkify = (text: string) =>
  text
    .split(/(https?:\/\/[^\s<>"]+)/)
    .map((part, i) => (i % 2 ? `<a href="${escape(part)}" target="_blank" rel="noopener">${escape(part)}</a>` : escape(part)))
    .join('');

// The frame's document inherits this page's policy: inline styles (emails use them) and images from data: only.
const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'";
const STYLE = 'body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}iframe{width:100%;height:32rem;border:1px solid #ccc}pre{white-space:pre-wrap}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function listPage(mails: StoredMail[]): string {
  const rows = mails.map(
    (m) => `<tr><td>${escape(m.receivedAt.replace('T', ' ').slice(0, 19))} UTC</td><td>${escape(m.to)}</td><td><a href="/messages/${m.id}">${escape(m.subject || '(no subject)')}</a></td></tr>`,
  );
  const table = rows.length ? `<table><thead><tr><th>Received</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p>No mail yet.</p>';
  return page(`Dev mail (${mails.length})`, `<h1>Dev mail (${mails.length})</h1><p>Newest first; kept in the dev state folder across restarts.</p>${table}`);
}

function messagePage(m: StoredMail): string {
  const head = `<p><a href="/">All mail</a></p><h1>${escape(m.subject || '(no subject)')}</h1><p>From: ${escape(m.from)}<br>To: ${escape(m.to)}<br>Received: ${escape(m.receivedAt)}</p>`;
  // <base target="_blank">: a link leaves the frame for a tab of its own, where the app runs unsandboxed.
  const html = m.html === null ? '' : `<h2>HTML</h2><iframe title="The message as HTML" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escape(`<base target="_blank">${m.html}`)}"></iframe>`;
  return page(m.subject, `${head}${html}<h2>Text</h2><pre>${linkify(m.text)}</pre>`);
}

export function serveMailPage(store: MailStore, port: number): Promise<Server> {
  // Only this machine's names: a web page whose host name was rebound to 127.0.0.1 (DNS rebinding)
  // is same-origin with its own name, not with these, and would otherwise read every mail's links.
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const id = /^\/messages\/([^/]+)$/.exec(path)?.[1];
    const mail = id === undefined ? undefined : store.get(id);
    const headers = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': POLICY };
    if (!hosts.has(req.headers.host ?? '')) res.writeHead(421, headers).end(page('Misdirected', `<p>Open this page as http://127.0.0.1:${port}/.</p>`));
    else if (path === '/') res.writeHead(200, headers).end(listPage(store.list()));
    else if (mail) res.writeHead(200, headers).end(messagePage(mail));
    else res.writeHead(404, headers).end(page('Not found', '<p>No such message. <a href="/">All mail</a></p>'));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
