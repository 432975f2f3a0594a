/**
 * Which names an organisation may claim as its domain: the one check of the api, the pages and the
 * operator CLI. Refusals name the reason so the person can act on it.
 */
import freeEmailDomains from 'free-email-domains';
import psl from 'psl';
import { isDomainName, MAX_DOMAIN_NAME_LENGTH } from './domain-name.ts';

const consumerDomains = new Set(freeEmailDomains);

/**
 * Domains one organisation may hold (pending, verified or failed). Far above any real organisation's
 * count; it bounds what one admin or setup link can make the daily re-checks and the pages carry.
 */
export const MAX_DOMAINS_PER_ORG = 100;

export type DomainClaim = { domain: string } | { refusal: string };

/** Lower case, no blanks, no trailing root dot: how domains are stored and compared. */
export const normaliseDomain = (input: string): string => input.trim().toLowerCase().replace(/\.$/, '');

const isIpAddress = (name: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':') || /^\[.*\]$/.test(name);

/** RFC 1035 labels: 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen. */
const hasValidLabels = (name: string) => name.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));

/** The domain to store, or why it cannot be claimed. */
export function claimableDomain(input: string): DomainClaim {
  const domain = normaliseDomain(input);
  if (isIpAddress(domain)) return { refusal: `${domain} is an IP address; enter your organisation's domain name, e.g. example.com.` };
  if (!isDomainName(domain) || !hasValidLabels(domain)) {
    return { refusal: `"${input.slice(0, 80)}" is not a domain name: use letters, digits, hyphens and dots (at most ${MAX_DOMAIN_NAME_LENGTH} characters), e.g. example.com.` };
  }
  // null for a public suffix itself (co.uk, github.io): no one registrant owns it.
  const registrable = psl.get(domain);
  if (registrable === null) {
    return { refusal: `${domain} is a public suffix (like co.uk or github.io), shared by many owners; enter your own domain under it.` };
  }
  if (consumerDomains.has(domain) || consumerDomains.has(registrable)) {
    return { refusal: `${domain} is a public email provider's domain; only a domain your organisation owns can be verified.` };
  }
  return { domain };
}
