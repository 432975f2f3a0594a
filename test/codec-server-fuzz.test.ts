import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createCodecApp } from '../codec-server/app.ts';
import { loadCodecServerConfig } from '../codec-server/config.ts';
import { toJson } from '../codec-server/payloads-json.ts';
import { createLogger } from '../config/logger.ts';
import { EncryptionCodec, formatPayloadKeys } from '../temporal/payload-codec.ts';

/**
 * Malformed input for the codec server, as test/input-fuzz.test.ts does for the api: arbitrary JSON,
 * and valid sealed bodies with characters replaced. Every answer is a 200 or a 4xx with a message,
 * never a 500; nothing decodes without the token.
 */
const keys = [{ id: 'k1', key: randomBytes(32) }];
const TOKEN = randomBytes(32).toString('base64');
const app = createCodecApp(
  loadCodecServerConfig({ APP_ENV: 'test', PAYLOAD_KEYS: formatPayloadKeys(keys), CODEC_SERVER_TOKENS: TOKEN }),
  createLogger('silent'),
);
const email = 'fuzz.member@acme.example';
const sealed = JSON.stringify(toJson(await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload({ email })])));

async function send(body: string, authorized: boolean) {
  const res = await app.request('/decode', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(authorized ? { authorization: `Bearer ${TOKEN}` } : {}) },
  });
  const text = await res.text();
  return { status: res.status, text };
}

const bodies = fc.oneof(
  fc.json(),
  fc.record({ payloads: fc.array(fc.record({ metadata: fc.dictionary(fc.string(), fc.string()), data: fc.string() }, { requiredKeys: [] })) }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.nat(sealed.length - 1), fc.constantFrom(...'"{}[],:=+/AZaz09\\\u0000 é'.split(''))).map(([at, ch]) => sealed.slice(0, at) + ch + sealed.slice(at + 1)),
);

it('answers arbitrary and mutated bodies with 200 or a 4xx that explains, never a 500, and nothing without the token', async () => {
  await fc.assert(
    fc.asyncProperty(bodies, fc.boolean(), async (body, authorized) => {
      const { status, text } = await send(body, authorized);
      if (!authorized) expect(status).toBe(401);
      expect([200, 400, 401, 413, 415]).toContain(status);
      if (status !== 200) expect(JSON.parse(text)).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      if (!authorized) expect(text).not.toContain(email);
    }),
    { numRuns: 400 },
  );
});
