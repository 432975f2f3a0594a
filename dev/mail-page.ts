import { createServer, type Server } from 'node:http';
import type { ParsedMail } from 'mailparser';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Dev-only page listing what the SMTP sink received, newest first. */
export function serveMailPage(messages: ParsedMail[], port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    const items = [...messages]
      .reverse()
      .map((m) => `<article><h2>${escape(m.subject ?? '')}</h2><p>To: ${escape(m.to ? [m.to].flat().map((a) => a.text).join(', ') : '')} · ${escape(m.date?.toISOString() ?? '')}</p><pre>${escape(m.text ?? '')}</pre></article>`)
      .join('<hr>');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Dev mail</title><h1>Dev mail (${messages.length})</h1>${items || '<p>No mail yet.</p>'}`);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
