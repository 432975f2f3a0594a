import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits from the CSPRNG, URL-safe: session ids, SCIM tokens, login-transaction state. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** What the database stores instead of a bearer secret. */
export const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A stable, opaque key for a sign-in identity (connection, iss, sub): workflow IDs and audit keys. */
export const identityKey = (connectionId: string, iss: string, sub: string): string =>
  createHash('sha256').update(`${connectionId}\n${iss}\n${sub}`).digest('hex').slice(0, 32);

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
