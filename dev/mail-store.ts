/**
 * What the dev SMTP sink received, one JSON file per message in the state folder, so the mail page
 * still shows it after `npm run dev` restarts. Development only: nothing is ever deleted but by hand.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';

export interface StoredMail {
  /** Sorts by arrival: the receiving time, then a random part. */
  id: string;
  receivedAt: string;
  subject: string;
  from: string;
  to: string;
  text: string;
  /** The HTML part, or null for a text-only message. */
  html: string | null;
}

const addresses = (field: ParsedMail['to'] | ParsedMail['from']) => (field ? [field].flat().map((a) => a.text).join(', ') : '');
const ID = /^[0-9]{13}-[0-9a-f-]{36}$/;

export interface MailStore {
  add(mail: ParsedMail): StoredMail;
  /** Newest first. */
  list(): StoredMail[];
  get(id: string): StoredMail | undefined;
}

export function openMailStore(dir: string): MailStore {
  mkdirSync(dir, { recursive: true });
  const read = (id: string): StoredMail => JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as StoredMail;
  const ids = () => readdirSync(dir).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)).filter((id) => ID.test(id));
  return {
    add(mail) {
      const received = new Date();
      const stored: StoredMail = {
        id: `${received.getTime()}-${randomUUID()}`,
        receivedAt: received.toISOString(),
        subject: mail.subject ?? '',
        from: addresses(mail.from),
        to: addresses(mail.to),
        text: mail.text ?? '',
        html: typeof mail.html === 'string' ? mail.html : null,
      };
      writeFileSync(join(dir, `${stored.id}.json`), JSON.stringify(stored));
      return stored;
    },
    list: () => ids().sort().reverse().map(read),
    // Only ids of the store's own shape reach the file system: no path from a request is opened.
    get: (id) => (ID.test(id) && ids().includes(id) ? read(id) : undefined),
  };
}
