import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, type VerifierOptions } from '../codec-server/access-tokens.ts';
import { createCodecApp } from '../codec-server/app.ts';
import { loadCodecServerConfig } from '../codec-server/config.ts';
import { toJson } from '../codec-server/payloads-json.ts';
import { carriesRequiredClaim } from '../codec-server/required-claim.ts';
import { createLogger } from '../config/logger.ts';
import { freePort } from '../dev/ports.ts';
import { EncryptionCodec, formatPayloadKeys } from '../temporal/payload-codec.ts';
import { CODEC_AUDIENCE, OPERATORS_GROUP, OTHER_AUDIENCE, startOperatorIdp, type OperatorIdp } from './support/operator-idp.ts';

const keys = [{ id: 'k1', key: randomBytes(32) }];
const STATIC_TOKEN = 'operator-token-0123456789-abcdefghijklmnop';
const UI = 'https://temporal-ui.example.com';
const member = { email: 'grace@acme.example', orgSlug: 'acme' };

function codecApp(issuer: string, env: Record<string, string> = {}, verifierOptions?: VerifierOptions) {
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }));
  const config = loadCodecServerConfig({
    APP_ENV: 'test',
    PAYLOAD_KEYS: formatPayloadKeys(keys),
    CODEC_SERVER_TOKENS: STATIC_TOKEN,
    CODEC_SERVER_UI_ORIGIN: UI,
    CODEC_OIDC_ISSUER: issuer,
    CODEC_OIDC_AUDIENCE: CODEC_AUDIENCE,
    CODEC_OIDC_REQUIRED_CLAIM: `groups=${OPERATORS_GROUP}`,
    ...env,
  });
  const app = createCodecApp(config, log, config.oidc && createAccessTokenVerifier(config.oidc, verifierOptions));
  return { app, logged: () => lines.join('') };
}

const sealedBody = async () => JSON.stringify(toJson(await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload(member)])));

/** As the Temporal UI sends it with `passAccessToken: true`: from its origin, the access token as a bearer token. */
const decodeAsUi = async (app: ReturnType<typeof codecApp>['app'], authorization?: string) =>
  app.request('/decode', {
    method: 'POST',
    body: await sealedBody(),
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI, ...(authorization ? { authorization } : {}) },
  });

const decodedMember = async (res: Response) => {
  const { payloads } = (await res.json()) as { payloads: { data: string }[] };
  return JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString()) as unknown;
};

const withChanges = (part: string, change: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ ...(JSON.parse(Buffer.from(part, 'base64url').toString()) as object), ...change })).toString('base64url');

/** The token with claims changed, its header and signature kept. */
function tamper(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  return [header, withChanges(payload!, change), signature].join('.');
}

/** The token with header parameters changed (an ID token's `typ`, another `alg`), its claims and signature kept. */
function tamperHeader(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  return [withChanges(header!, change), payload, signature].join('.');
}

/** A real HTTP server that plays a broken IdP: `answer` decides what it does with each request. */
async function brokenIdp(answer: (res: import('node:http').ServerResponse) => void): Promise<{ issuer: string; server: Server }> {
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let idp: OperatorIdp;
let impostor: OperatorIdp;
let otherIdp: OperatorIdp;

beforeAll(async () => {
  idp = await startOperatorIdp();
  impostor = await startOperatorIdp({ claimIssuer: idp.issuer });
  otherIdp = await startOperatorIdp();
});
afterAll(async () => {
  await Promise.all([idp, impostor, otherIdp].map((p) => p?.stop()));
});

describe('codec server with the Temporal UI forwarding access tokens', () => {
  it("decodes for an operator's access token from the configured issuer and logs who, never the token", async () => {
    const { app, logged } = codecApp(idp.issuer);
    const token = await idp.accessToken('operator-console');
    const res = await decodeAsUi(app, `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(await decodedMember(res)).toEqual(member);
    expect(logged()).toContain('"caller":{"kind":"access-token","sub":"operator-console","clientId":"operator-console"}');
    expect(logged()).not.toContain(token);
    expect(logged()).not.toContain(token.split('.')[2]);
  });

  it('refuses with 401, naming the failed check, a token for another audience, from another IdP, signed by an impostor, tampered, without the required group, or no JWT', async () => {
    const { app, logged } = codecApp(idp.issuer);
    const operatorToken = await idp.accessToken('operator-console');
    const staffToken = await idp.accessToken('staff-portal');
    const refused: [string, string, RegExp][] = [
      ['audience', await idp.accessToken('operator-console', { resource: OTHER_AUDIENCE }), /another audience than CODEC_OIDC_AUDIENCE/],
      ['issuer', await otherIdp.accessToken('operator-console'), /another issuer than CODEC_OIDC_ISSUER/],
      ['signature', await impostor.accessToken('operator-console'), /signature does not verify/],
      ['signature', tamper(staffToken, { groups: [OPERATORS_GROUP] }), /signature does not verify/],
      ['signature', tamper(operatorToken, { sub: 'someone-else' }), /signature does not verify/],
      ['required_claim', staffToken, /lacks the claim this codec server requires \(CODEC_OIDC_REQUIRED_CLAIM\)/],
      ['malformed', 'not-a-jwt-at-all', /not a well-formed JWT access token/],
      ['type', tamperHeader(operatorToken, { typ: 'JWT' }), /not a JWT access token \(RFC 9068, typ at\+jwt\)/],
      ['algorithm', tamperHeader(operatorToken, { alg: 'HS256' }), /algorithm this server does not accept/],
      ['algorithm', tamperHeader(operatorToken, { alg: 'none' }), /algorithm this server does not accept/],
    ];
    for (const [check, token, message] of refused) {
      const res = await decodeAsUi(app, `Bearer ${token}`);
      expect(res.status, check).toBe(401);
      expect(res.headers.get('www-authenticate'), check).toBe('Bearer realm="codec-server", error="invalid_token"');
      const text = await res.text();
      expect(JSON.parse(text), check).toMatchObject({ error: 'invalid_token', message: expect.stringMatching(message) });
      expect(text, check).not.toContain(token);
      expect(text, check).not.toContain(member.email);
      expect(logged(), check).toContain(`"check":"${check}"`);
      expect(logged(), check).not.toContain(token);
    }
  });

  it('refuses an expired token with 401', async () => {
    const { app } = codecApp(idp.issuer, {}, { clockToleranceSeconds: 0 });
    const token = await idp.accessToken('short-lived');
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 1100));
    const res = await decodeAsUi(app, `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/it has expired/);
  });

  it('answers 401 without credentials and keeps accepting the static tokens beside access tokens', async () => {
    const { app } = codecApp(idp.issuer);
    const none = await decodeAsUi(app);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { message: string }).message).toMatch(/CODEC_SERVER_TOKENS or the Temporal UI's access token/);
    const withStatic = await decodeAsUi(app, `Bearer ${STATIC_TOKEN}`);
    expect(withStatic.status).toBe(200);
    expect(await decodedMember(withStatic)).toEqual(member);
    expect((await decodeAsUi(app, `Basic ${await idp.accessToken('operator-console')}`)).status).toBe(401);
  });

  it('can require a scope instead of a group: a token granted it decodes, one without it is refused', async () => {
    const { app } = codecApp(idp.issuer, { CODEC_OIDC_REQUIRED_CLAIM: 'scope=codec:decode' });
    expect((await decodeAsUi(app, `Bearer ${await idp.accessToken('staff-portal')}`)).status).toBe(200);
    const withoutScope = await decodeAsUi(app, `Bearer ${await idp.accessToken('operator-console', { scope: '' })}`);
    expect(withoutScope.status).toBe(401);
    expect(await withoutScope.text()).toMatch(/CODEC_OIDC_REQUIRED_CLAIM/);
  });
});

describe('codec server and an unavailable identity provider', () => {
  it('keeps the discovered metadata and keys: verification goes on while the IdP is down', async () => {
    const ownIdp = await startOperatorIdp();
    const { app } = codecApp(ownIdp.issuer);
    const token = await ownIdp.accessToken('operator-console');
    expect((await decodeAsUi(app, `Bearer ${token}`)).status).toBe(200);
    await ownIdp.stop();
    expect((await decodeAsUi(app, `Bearer ${token}`)).status).toBe(200);
  });

  it('answers 503 (not 401) when the IdP is unreachable, too slow or answers too much, and static tokens still work', async () => {
    const token = await idp.accessToken('operator-console');
    const closed = `http://127.0.0.1:${await freePort()}`;
    const slow = await brokenIdp(() => undefined);
    const huge = await brokenIdp((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: 'x', padding: 'x'.repeat(2 * 1024 * 1024) })));
    try {
      for (const issuer of [closed, slow.issuer, huge.issuer]) {
        const { app, logged } = codecApp(issuer, {}, { timeoutMs: 500 });
        const started = Date.now();
        const res = await decodeAsUi(app, `Bearer ${token}`);
        expect(res.status, issuer).toBe(503);
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(await res.json()).toMatchObject({ error: 'idp_unavailable' });
        expect(logged()).toContain('identity provider unavailable');
        expect((await decodeAsUi(app, `Bearer ${STATIC_TOKEN}`)).status).toBe(200);
      }
    } finally {
      slow.server.closeAllConnections();
      await Promise.all([slow, huge].map(({ server }) => new Promise((resolve) => server.close(resolve))));
    }
  });
});

describe('codec server OIDC configuration', () => {
  const start = (env: Record<string, string>) => () => loadCodecServerConfig({ PAYLOAD_KEYS: formatPayloadKeys(keys), ...env });
  const production = { APP_ENV: 'production', CODEC_OIDC_ISSUER: 'https://login.example.com', CODEC_OIDC_AUDIENCE: CODEC_AUDIENCE };

  it('starts in production with an issuer, audience and required claim and no static tokens', () => {
    const config = start({ ...production, CODEC_OIDC_REQUIRED_CLAIM: 'https://ops.example.com/roles=codec' })();
    expect(config.tokens).toEqual([]);
    expect(config.oidc).toMatchObject({ audience: CODEC_AUDIENCE, requiredClaim: { name: 'https://ops.example.com/roles', value: 'codec' }, allowHttp: false });
  });

  it('refuses, naming the variable, what would let the wrong people decode or cannot work', () => {
    expect(start({ APP_ENV: 'production' })).toThrow(/CODEC_SERVER_TOKENS or CODEC_OIDC_ISSUER is required in production/);
    expect(start(production)).toThrow(/CODEC_OIDC_REQUIRED_CLAIM is required in production/);
    expect(start({ ...production, CODEC_OIDC_ISSUER: 'http://login.example.com', CODEC_OIDC_REQUIRED_CLAIM: 'groups=ops' })).toThrow(/CODEC_OIDC_ISSUER must use https/);
    expect(start({ ...production, CODEC_OIDC_ISSUER: 'http://127.0.0.1:9000', CODEC_OIDC_REQUIRED_CLAIM: 'groups=ops' })).toThrow(/CODEC_OIDC_ISSUER must use https/);
    expect(start({ CODEC_OIDC_ISSUER: 'http://login.example.com', CODEC_OIDC_AUDIENCE: 'a' })).toThrow(/CODEC_OIDC_ISSUER must use https/);
    expect(start({ CODEC_OIDC_ISSUER: 'https://login.example.com/?tenant=1', CODEC_OIDC_AUDIENCE: 'a' })).toThrow(/CODEC_OIDC_ISSUER must be the issuer URL/);
    expect(start({ CODEC_OIDC_ISSUER: 'https://login.example.com' })).toThrow(/CODEC_OIDC_AUDIENCE is required with CODEC_OIDC_ISSUER/);
    expect(start({ CODEC_OIDC_AUDIENCE: 'a' })).toThrow(/CODEC_OIDC_AUDIENCE needs CODEC_OIDC_ISSUER/);
    expect(start({ CODEC_OIDC_ISSUER: 'https://login.example.com', CODEC_OIDC_AUDIENCE: 'a', CODEC_OIDC_REQUIRED_CLAIM: 'groups' })).toThrow(/CODEC_OIDC_REQUIRED_CLAIM must be name=value/);
    // Compose passes unset variables as empty strings.
    expect(start({ CODEC_OIDC_ISSUER: '', CODEC_OIDC_AUDIENCE: '', CODEC_OIDC_REQUIRED_CLAIM: '' })().oidc).toBeUndefined();
  });
});

describe('the required claim rule', () => {
  const groups = { name: 'groups', value: OPERATORS_GROUP };
  it('finds a value in a list claim, a scope among space-separated scopes, and a single string claim only when equal', () => {
    expect(carriesRequiredClaim({ groups: ['staff', OPERATORS_GROUP] }, groups)).toBe(true);
    expect(carriesRequiredClaim({ groups: ['staff'] }, groups)).toBe(false);
    expect(carriesRequiredClaim({ groups: OPERATORS_GROUP }, groups)).toBe(true);
    expect(carriesRequiredClaim({ groups: `staff ${OPERATORS_GROUP}` }, groups)).toBe(false);
    expect(carriesRequiredClaim({ scope: 'openid codec:decode' }, { name: 'scope', value: 'codec:decode' })).toBe(true);
    expect(carriesRequiredClaim({ scope: 'openid codec:decode:all' }, { name: 'scope', value: 'codec:decode' })).toBe(false);
    expect(carriesRequiredClaim({}, groups)).toBe(false);
    expect(carriesRequiredClaim({ groups: { [OPERATORS_GROUP]: true } }, groups)).toBe(false);
  });
});
