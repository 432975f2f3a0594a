import { Resolver } from 'node:dns/promises';
import { challengeRecord, hasChallengeValue, type LookupOutcome } from '../domain/domain-verification.ts';

export interface DnsSettings {
  /** IP[:port] of the resolvers to ask; undefined: the system's. */
  servers?: readonly string[] | undefined;
  /** Per try; with `tries` it bounds a look-up (c-ares doubles the timeout each try). */
  timeoutMs?: number;
  tries?: number;
}

/** A name that does not exist, or exists without TXT records: the record is simply not there (yet). */
const absent = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Looks up the challenge TXT record of `domain` and says whether it carries `token`. Each TXT
 * record may arrive split into several character-strings (one is at most 255 bytes): they are
 * joined, as RFC 7208 does for SPF. Names are case-insensitive in DNS; the name asked is the
 * stored lower-case one. SERVFAIL, refusals and timeouts are `dns_error`: worth another try,
 * never a verdict.
 */
export async function lookUpChallenge(settings: DnsSettings, domain: string, token: string): Promise<LookupOutcome> {
  // A resolver per look-up: its servers and timeouts are this call's, and nothing is cached between checks.
  const resolver = new Resolver({ timeout: settings.timeoutMs ?? 2_000, tries: settings.tries ?? 2 });
  if (settings.servers) resolver.setServers([...settings.servers]);
  let records: string[][];
  try {
    records = await resolver.resolveTxt(challengeRecord(domain, token).name);
  } catch (err) {
    return absent.has((err as NodeJS.ErrnoException).code ?? '') ? 'no_record' : 'dns_error';
  }
  if (records.length === 0) return 'no_record';
  return hasChallengeValue(records.map((chunks) => chunks.join('')), token) ? 'found' : 'other_values';
}
