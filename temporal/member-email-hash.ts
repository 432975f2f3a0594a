import { createHmac, hkdfSync } from 'node:crypto';

/** Turns a member's email into the value of the MemberEmailHash search attribute. */
export type MemberEmailHasher = (email: string) => string;

const HKDF_INFO = 'member-email-search-attribute';

/**
 * Search attributes are stored and shown in clear (no codec touches them), so operators filter on
 * an HMAC of the email rather than the email. Keyed (HKDF from ENCRYPTION_KEY, its own info so the
 * derived key serves nothing else): without the key nobody can test guessed addresses against it.
 * Lower-cased and trimmed first, as the project stores emails. Changing ENCRYPTION_KEY changes
 * every hash: a running lifecycle keeps its old one until a directory event or an email change
 * brings the new one.
 */
export function memberEmailHasher(encryptionKey: Buffer): MemberEmailHasher {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), HKDF_INFO, 32));
  return (email) => createHmac('sha256', key).update(email.trim().toLowerCase()).digest('hex');
}
