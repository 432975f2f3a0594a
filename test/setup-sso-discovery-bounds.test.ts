import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverForSetup } from '../api/setup/sso-issuer.ts';

// Issue 17: "discovery (at most 5 seconds)". The document an IT contact's issuer serves is
// read whole into memory; a large one must be refused, not parsed, whatever its speed.

const PADDING_MB = 64;
let server: Server;
let issuer: string;
const sockets = new Set<import('node:net').Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const document = { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` };
    if (req.url === '/big/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const head = JSON.stringify({ ...document, issuer: `${issuer}/big` }).slice(0, -1);
      res.write(`${head},"padding":"`);
      const chunk = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < PADDING_MB; i++) res.write(chunk);
      res.end('"}');
      return;
    }
    if (req.url === '/drip/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"issuer":"');
      const timer = setInterval(() => res.write('x'), 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('discovery for the setup page is bounded', () => {
  it('a document that drips forever ends in the timeout refusal', { timeout: 20_000 }, async () => {
    const outcome = await discoverForSetup({ issuer: `${issuer}/drip`, clientId: 'c', clientSecret: 's' }, 'test');
    expect(outcome).toEqual({ refusal: `${issuer}/drip did not answer within 5 seconds. Check the issuer URL, or try again if your identity provider is slow right now.` });
  });

  it(`a ${PADDING_MB} MB discovery document is refused, not read whole`, { timeout: 30_000 }, async () => {
    const outcome = await discoverForSetup({ issuer: `${issuer}/big`, clientId: 'c', clientSecret: 's' }, 'test');
    expect(outcome).toEqual({ refusal: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/big\/\.well-known\/openid-configuration is not an OpenID Provider's discovery document/) });
  });
});
