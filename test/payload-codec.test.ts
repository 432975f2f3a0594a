import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, KEY_ID_METADATA, parsePayloadKeys, PayloadKeyError, type PayloadKey } from '../temporal/payload-codec.ts';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const person = { email: 'ada.lovelace@acme.test', name: 'Ada Lovelace', iss: 'https://idp.acme.test', sub: 'sub-314159' };
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(payload!);
const bytesOf = (payload: Payload): string => Buffer.concat([Buffer.from(payload.data ?? []), ...Object.values(payload.metadata ?? {}).map((v) => Buffer.from(v))]).toString('latin1');

describe('EncryptionCodec', () => {
  it('round-trips a payload, and what it encodes carries none of the plain text, not even its encoding', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([payloadOf(person)]);
    for (const secret of [...Object.values(person), 'json/plain']) expect(bytesOf(sealed!)).not.toContain(secret);
    expect(Buffer.from(sealed!.metadata![KEY_ID_METADATA]!).toString()).toBe('k1');
    expect(valueOf((await codec.decode([sealed!]))[0])).toEqual(person);
  });

  it('seals the same value differently each time (a fresh IV), so equal payloads cannot be matched', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [a, b] = await codec.encode([payloadOf(person), payloadOf(person)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('after a rotation encrypts with the new key and still decrypts what the old one sealed', async () => {
    const [older, newer] = [key('k1'), key('k2')];
    const [sealedBefore] = await new EncryptionCodec([older]).encode([payloadOf('before')]);
    const rotated = new EncryptionCodec([newer, older]);
    const [sealedAfter] = await rotated.encode([payloadOf('after')]);
    expect(Buffer.from(sealedAfter!.metadata![KEY_ID_METADATA]!).toString()).toBe('k2');
    expect((await rotated.decode([sealedBefore!, sealedAfter!])).map(valueOf)).toEqual(['before', 'after']);
    // The old key alone cannot read what the new one sealed.
    await expect(new EncryptionCodec([older]).decode([sealedAfter!])).rejects.toThrow('payload sealed with key "k2", which is not in PAYLOAD_KEYS');
  });

  it('refuses a tampered ciphertext', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([payloadOf(person)]);
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow();
  });

  it('refuses a payload relabelled with another key id (the id is bound to the ciphertext)', async () => {
    const [k1, k2] = [key('k1'), key('k2')];
    const [sealed] = await new EncryptionCodec([k1]).encode([payloadOf(person)]);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(new EncryptionCodec([k2, { id: 'k1', key: k2.key }]).decode([relabelled])).rejects.toThrow();
  });

  it('refuses a payload sealed with a key it does not hold, naming the key id', async () => {
    const [sealed] = await new EncryptionCodec([key('gone-7')]).encode([payloadOf(person)]);
    await expect(new EncryptionCodec([key('k1')]).decode([sealed!])).rejects.toThrow(/"gone-7"/);
  });

  it('passes payloads written without encryption through decode (what the SDK writes itself)', async () => {
    const plain = payloadOf({ hello: 'world' });
    expect((await new EncryptionCodec([key('k1')]).decode([plain]))[0]).toBe(plain);
  });
});

describe('parsePayloadKeys', () => {
  const b64 = (fill: number) => Buffer.alloc(32, fill).toString('base64');

  it('reads id=base64 entries, newest first', () => {
    expect(parsePayloadKeys(`b=${b64(2)}, a=${b64(1)}`)).toEqual([
      { id: 'b', key: Buffer.alloc(32, 2) },
      { id: 'a', key: Buffer.alloc(32, 1) },
    ]);
  });

  it.each([
    ['', 'entry 1 must be id=base64key'],
    [b64(1), 'entry 1 must be id=base64key'],
    [`k 1=${b64(1)}`, 'entry 1 must be id=base64key'],
    [`${'x'.repeat(33)}=${b64(1)}`, 'entry 1 must be id=base64key'],
    [`k1=${b64(1)},`, 'entry 2 must be id=base64key'],
    ['k1=c2hvcnQ=', 'key "k1" must be 32 bytes'],
    [`k1=${Buffer.alloc(16).toString('base64')}`, 'key "k1" must be 32 bytes'],
    [`k1=${b64(1)},k1=${b64(2)}`, 'key ids must be unique'],
  ])('refuses %j', (value, message) => {
    expect(() => parsePayloadKeys(value)).toThrow(PayloadKeyError);
    expect(() => parsePayloadKeys(value)).toThrow(message);
  });
});

describe('EncryptionCodec without keys', () => {
  it('refuses to be built', () => {
    expect(() => new EncryptionCodec([])).toThrow('at least one payload key is required');
  });
});
