import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadConfig } from '../../config/index.ts';
import { dataConverter } from '../../temporal/data-converter.ts';
import { memberEmailHasher } from '../../temporal/member-email-hash.ts';
import { EncryptionCodec, parsePayloadKeys } from '../../temporal/payload-codec.ts';

/** The tests' payload keys: every client, worker and replay of the suite encrypts and decrypts with these. */
export const TEST_PAYLOAD_KEYS = `test-2=${Buffer.alloc(32, 0x2b).toString('base64')},test-1=${Buffer.alloc(32, 0x1a).toString('base64')}`;

export const testPayloadKeys = parsePayloadKeys(TEST_PAYLOAD_KEYS);

/** What a test passes as `dataConverter` to every `new Client`, `Worker.create` and `Worker.runReplayHistory`. */
export const testDataConverter = dataConverter(testPayloadKeys);

/** The MemberEmailHash of loadConfig({ APP_ENV: 'test' })'s ENCRYPTION_KEY, as the api and worker compute it in tests. */
export const testEmailHash = memberEmailHasher(loadConfig({ APP_ENV: 'test' }).encryptionKey);

/** A member as the starters of its lifecycle describe it: its email's MemberEmailHash instead of the email. */
export const withEmailHash = <T extends { email: string }>({ email, ...rest }: T): Omit<T, 'email'> & { emailHash: string } => ({ ...rest, emailHash: testEmailHash(email) });

/** A payload read from a fetched history (fetchHistory does not decode) as the value it carries. */
export async function decodedValue<T>(payload: Payload): Promise<T> {
  const [plain] = await new EncryptionCodec(testPayloadKeys).decode([payload]);
  return defaultPayloadConverter.fromPayload<T>(plain!);
}
