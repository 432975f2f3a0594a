import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits from the CSPRNG, URL-safe: session ids, SCIM tokens, login-transaction state. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** What the database stores instead of a bearer secret. */
export const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A stable, opaque key for a sign-in identity (connection, iss, sub): workflow IDs and audit keys. */
export const identityKey = (connectionId: string, iss: string, sub: string): string =>
  createHash('sha256').update(`${connectionId}\n${iss}\n${sub}`).digest('hex').slice(0, 32);

/**
 * The member id a sign-in identity's first sign-in gives the member it creates, so the api can name
 * that member's lifecycle before the member exists (api/temporal.ts): a UUID (version 8, RFC 9562)
 * from a hash of the identity, the same for every callback of the same identity. Not a secret, as
 * no member id is.
 */
export function newMemberId(connectionId: string, iss: string, sub: string): string {
  const bytes = createHash('sha256').update(`member\n${connectionId}\n${iss}\n${sub}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** AES-256-GCM; the output carries iv and tag, so tampering fails decryption. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function decryptSecret(key: Buffer, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unreadable sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** `value.signature`; verification is constant-time and returns undefined on any mismatch. */
export function sign(secret: string, value: string): string {
  return `${value}.${createHmac('sha256', secret).update(value).digest('base64url')}`;
}

export function unsign(secret: string, signed: string | undefined): string | undefined {
  if (!signed) return undefined;
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  const expected = Buffer.from(sign(secret, value));
  const actual = Buffer.from(signed);
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? value : undefined;
}
