import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createCodecApp, MAX_BODY_BYTES } from '../codec-server/app.ts';
import { loadCodecServerConfig } from '../codec-server/config.ts';
import { MAX_PAYLOADS, toJson } from '../codec-server/payloads-json.ts';
import { ConfigError } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { EncryptionCodec, formatPayloadKeys, type PayloadKey } from '../temporal/payload-codec.ts';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const keys = [key('k2'), key('k1')];
const TOKEN = 'operator-token-0123456789-abcdefghijklmnop';
const UI = 'https://temporal-ui.example.com';

function codecApp(env: Record<string, string> = {}, log = createLogger('silent')) {
  const config = loadCodecServerConfig({
    APP_ENV: 'test',
    PAYLOAD_KEYS: formatPayloadKeys(keys),
    CODEC_SERVER_TOKENS: `other-token-0123456789-abcdefghijklmnop,${TOKEN}`,
    CODEC_SERVER_UI_ORIGIN: UI,
    ...env,
  });
  return createCodecApp(config, log);
}

const member = { email: 'ada@acme.example', orgSlug: 'acme' };
const sealedBody = async (codec = new EncryptionCodec(keys)) => JSON.stringify(toJson(await codec.encode([defaultPayloadConverter.toPayload(member)])));

const post = (app: ReturnType<typeof codecApp>, path: string, body: string, headers: Record<string, string> = {}) =>
  app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers } });
const withToken = { authorization: `Bearer ${TOKEN}` };

describe('codec server authentication', () => {
  it('answers 401 without credentials, with a wrong token, or with another scheme, and decodes nothing', async () => {
    const app = codecApp();
    const body = await sealedBody();
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-0123456789-abcdefghijklmnop' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN} extra` }];
    for (const headers of attempts) {
      const res = await post(app, '/decode', body, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const text = await res.text();
      expect(text).toMatch(/CODEC_SERVER_TOKENS/);
      expect(text).not.toContain(member.email);
    }
  });

  it('decodes with any configured token, also under a path prefix (the CLI templates /{namespace}/decode)', async () => {
    const app = codecApp();
    for (const path of ['/decode', '/default/decode']) {
      const res = await post(app, path, await sealedBody(), withToken);
      expect(res.status).toBe(200);
      const { payloads } = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual(member);
      expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    }
  });

  it('in development on loopback lets the dev UI origin decode without a token; test and production never do', async () => {
    const devUi = 'http://127.0.0.1:8233';
    const dev = codecApp({ APP_ENV: 'development', CODEC_SERVER_HOST: '127.0.0.1', CODEC_SERVER_TOKENS: '', CODEC_SERVER_UI_ORIGIN: `${devUi},${UI}` });
    expect((await post(dev, '/decode', await sealedBody(), { origin: devUi })).status).toBe(200);
    expect((await post(dev, '/decode', await sealedBody())).status).toBe(401);
    const devOnAllInterfaces = codecApp({ APP_ENV: 'development', CODEC_SERVER_HOST: '0.0.0.0', CODEC_SERVER_UI_ORIGIN: devUi });
    expect((await post(devOnAllInterfaces, '/decode', await sealedBody(), { origin: devUi })).status).toBe(401);
    expect((await post(codecApp({ CODEC_SERVER_UI_ORIGIN: devUi }), '/decode', await sealedBody(), { origin: devUi })).status).toBe(401);
  });

  it('in development never lets an origin off this machine decode without a token: a loopback bind may sit behind a proxy, and Origin is only a header', async () => {
    const dev = codecApp({ APP_ENV: 'development', CODEC_SERVER_HOST: '127.0.0.1', CODEC_SERVER_UI_ORIGIN: `http://localhost:8233,${UI}` });
    const res = await post(dev, '/decode', await sealedBody(), { origin: UI });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(member.email);
    expect((await post(dev, '/decode', await sealedBody(), { origin: UI, ...withToken })).status).toBe(200);
  });

  it('refuses to start in production without tokens, and refuses short tokens, bad origins and bad keys by name', () => {
    const start = (env: Record<string, string>) => () => loadCodecServerConfig({ PAYLOAD_KEYS: formatPayloadKeys(keys), ...env });
    expect(start({ APP_ENV: 'production' })).toThrow(/CODEC_SERVER_TOKENS or CODEC_OIDC_ISSUER is required in production/);
    expect(start({ CODEC_SERVER_TOKENS: 'short' })).toThrow(/CODEC_SERVER_TOKENS each token must be at least 32/);
    expect(start({ CODEC_SERVER_UI_ORIGIN: 'https://ui.example.com/path' })).toThrow(/CODEC_SERVER_UI_ORIGIN/);
    expect(start({ PAYLOAD_KEYS: 'k1=short' })).toThrow(/PAYLOAD_KEYS key "k1" must be 32 bytes/);
    expect(() => loadCodecServerConfig({})).toThrow(ConfigError);
  });
});

describe('codec server logs', () => {
  it('record each request and who decoded, never a payload or a token', async () => {
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }));
    const app = codecApp({}, log);
    const body = await sealedBody();
    expect((await post(app, '/decode', body, withToken)).status).toBe(200);
    expect((await post(app, '/decode', body, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post(app, '/encode', JSON.stringify(toJson([defaultPayloadConverter.toPayload(member)])), withToken)).status).toBe(200);
    const logged = lines.join('');
    expect(logged).toContain('"caller":{"kind":"token","position":2}');
    expect(logged).toContain('"refusal":"invalid_token"');
    for (const secret of [member.email, TOKEN, Buffer.from(JSON.stringify(member)).toString('base64'), JSON.parse(body).payloads[0].data]) {
      expect(logged).not.toContain(secret);
    }
  });
});

describe('codec server CORS', () => {
  it('grants the configured UI origin, preflight included, with the headers the UI sends', async () => {
    const app = codecApp();
    const preflight = await app.request('/decode', {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/)).toEqual(
      expect.arrayContaining(['content-type', 'x-namespace', 'authorization']),
    );
    const res = await post(app, '/decode', await sealedBody(), { origin: UI, ...withToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    // The UI reads a refusal too, so it can say why decoding failed.
    const refused = await post(app, '/decode', await sealedBody(), { origin: UI });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(UI);
  });

  it('refuses another origin with 403 and no CORS grant, even with a valid token or in development', async () => {
    for (const app of [codecApp(), codecApp({ APP_ENV: 'development' })]) {
      for (const origin of ['https://evil.example', 'null', `${UI}:8443`]) {
        const preflight = await app.request('/decode', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
        expect(preflight.status).toBe(403);
        expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
        const res = await post(app, '/decode', await sealedBody(), { origin, ...withToken });
        expect(res.status).toBe(403);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(await res.text()).not.toContain(member.email);
      }
    }
  });
});

describe('codec server payloads', () => {
  it('round-trips: what /encode seals, /decode opens to the same payloads', async () => {
    const app = codecApp();
    const input = toJson([defaultPayloadConverter.toPayload(member), defaultPayloadConverter.toPayload(null), defaultPayloadConverter.toPayload('ü✓')]);
    const encoded = await post(app, '/encode', JSON.stringify(input), withToken);
    expect(encoded.status).toBe(200);
    const sealed = (await encoded.json()) as typeof input;
    expect(sealed.payloads).toHaveLength(3);
    expect(Buffer.from(sealed.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(JSON.stringify(sealed)).not.toContain(Buffer.from(JSON.stringify(member)).toString('base64'));
    const decoded = await post(app, '/decode', JSON.stringify(sealed), withToken);
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual(input);
  });

  it('passes payloads that are not encrypted through decode unchanged', async () => {
    const plain = toJson([defaultPayloadConverter.toPayload(member)]);
    const res = await post(codecApp(), '/decode', JSON.stringify(plain), withToken);
    expect(await res.json()).toEqual(plain);
  });

  it('answers 400 naming the key id for a payload sealed with a key it does not hold', async () => {
    const res = await post(codecApp(), '/decode', await sealedBody(new EncryptionCodec([key('retired-2024')])), withToken);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'undecryptable', message: expect.stringMatching(/Payload 1 .*"retired-2024"/) });
  });

  it('answers 400 for a payload altered in transit or sealed with another key under a known id', async () => {
    const sealed = JSON.parse(await sealedBody()) as { payloads: { data: string }[] };
    const data = Buffer.from(sealed.payloads[0]!.data, 'base64');
    data[20]! ^= 1;
    sealed.payloads[0]!.data = data.toString('base64');
    const altered = await post(codecApp(), '/decode', JSON.stringify(sealed), withToken);
    expect(altered.status).toBe(400);
    expect((await altered.json()) as object).toMatchObject({ error: 'undecryptable', message: expect.stringContaining('"k2"') });
    const impostor = await post(codecApp(), '/decode', await sealedBody(new EncryptionCodec([key('k2')])), withToken);
    expect(impostor.status).toBe(400);
  });

  it('refuses malformed bodies with 400 and a message, oversize with 413, other media types with 415', async () => {
    const app = codecApp();
    const malformed: [string, RegExp][] = [
      ['', /not valid JSON/],
      ['{"payloads":', /not valid JSON/],
      ['[]', /payloads/],
      ['{"payloads":{}}', /payloads must be an array/],
      ['{"payloads":[{"data":"not base64!"}]}', /payloads\.0\.data must be base64/],
      ['{"payloads":[{"data":"QQ=Q"}]}', /payloads\.0\.data must be base64/],
      ['{"payloads":[{"metadata":{"encoding":"***"}}]}', /payloads\.0\.metadata\.encoding must be base64/],
      ['{"payloads":[{"metadata":{"encoding":7}}]}', /metadata/],
      ['{"payloads":[{"data":12}]}', /payloads\.0\.data/],
      ['{"payloads":[{"metadata":{"encoding":"YmluYXJ5L2VuY3J5cHRlZA=="},"data":"AAAA"}]}', /Payload 1 cannot be decrypted/],
      [JSON.stringify({ payloads: Array.from({ length: MAX_PAYLOADS + 1 }, () => ({ data: '' })) }), new RegExp(`at most ${MAX_PAYLOADS} payloads`)],
    ];
    for (const [body, message] of malformed) {
      const res = await post(app, '/decode', body, withToken);
      expect(res.status, body.slice(0, 80)).toBe(400);
      expect(((await res.json()) as { message: string }).message, body.slice(0, 80)).toMatch(message);
    }
    const huge = JSON.stringify({ payloads: [{ data: 'A'.repeat(MAX_BODY_BYTES) }] });
    expect((await post(app, '/decode', huge, withToken)).status).toBe(413);
    expect((await post(app, '/decode', '{"payloads":[]}', { ...withToken, 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('refuses another namespace (an empty one is none), other methods and other paths', async () => {
    const app = codecApp();
    expect((await post(app, '/decode', await sealedBody(), { ...withToken, 'x-namespace': 'payments' })).status).toBe(400);
    // Temporal CLI 1.5.1 sends X-Namespace empty.
    expect((await post(app, '/decode', await sealedBody(), { ...withToken, 'x-namespace': '' })).status).toBe(200);
    expect((await app.request('/decode', { headers: withToken })).status).toBe(405);
    expect((await post(app, '/decrypt', '{"payloads":[]}', withToken)).status).toBe(404);
    expect((await post(app, '/decode', '{"payloads":[]}', withToken)).status).toBe(200);
  });
});
