import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

/** One AES-256 key; its id travels in every payload it encrypts, so old histories find their key after a rotation. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const { Payload: ProtoPayload } = proto.temporal.api.common.v1;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const utf8 = new TextEncoder();
const text = new TextDecoder();

export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

/**
 * `PAYLOAD_KEYS`: `id=base64,id=base64,...`, newest first. The first key encrypts; every key decrypts.
 * Rotating is adding a new key in front and keeping the old ones while histories they sealed live.
 */
export function parsePayloadKeys(value: string): PayloadKey[] {
  const keys = value.split(',').map((entry, index) => {
    const [id = '', encoded = '', ...rest] = entry.trim().split('=');
    if (!KEY_ID.test(id) || rest.some((part) => part !== '')) {
      throw new PayloadKeyError(`entry ${index + 1} must be id=base64key with an id of letters, digits, '-' or '_' (at most 32)`);
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new PayloadKeyError(`key "${id}" must be 32 bytes, base64 (openssl rand -base64 32)`);
    return { id, key };
  });
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new PayloadKeyError('key ids must be unique');
  return keys;
}

export const formatPayloadKeys = (keys: readonly PayloadKey[]): string => keys.map(({ id, key }) => `${id}=${key.toString('base64')}`).join(',');

/**
 * AES-256-GCM over each whole payload (its metadata too, so the encoding of what is inside does not
 * show). The key id is bound as additional data: a payload cannot be made to decrypt under another id.
 * Payloads that are not encrypted pass through decode unchanged (the SDK's own, e.g. empty results).
 */
export class EncryptionCodec implements PayloadCodec {
  readonly #encryptWith: PayloadKey;
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly PayloadKey[]) {
    const [newest] = keys;
    if (!newest) throw new PayloadKeyError('at least one payload key is required');
    this.#encryptWith = newest;
    this.#keys = new Map(keys.map(({ id, key }) => [id, key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#seal(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (encodingOf(payload) === ENCRYPTED_ENCODING ? this.#open(payload) : payload));
  }

  #seal(payload: Payload): Payload {
    const { id, key } = this.#encryptWith;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(utf8.encode(id));
    const plain = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(id) },
      data: new Uint8Array(sealed),
    };
  }

  #open(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    const id = idBytes ? text.decode(idBytes) : '';
    const key = this.#keys.get(id);
    if (!key) throw new PayloadKeyError(`payload sealed with key "${id}", which is not in PAYLOAD_KEYS`);
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError('encrypted payload is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES)).setAAD(utf8.encode(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    return ProtoPayload.decode(plain) as Payload;
  }
}

function encodingOf(payload: Payload): string | undefined {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding ? text.decode(encoding) : undefined;
}
