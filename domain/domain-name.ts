/** The longest DNS name (RFC 1035, written without the trailing dot). */
export const MAX_DOMAIN_NAME_LENGTH = 253;

/** A lower-case dotted name with a top-level label of letters, as verified domains are stored. */
export const isDomainName = (value: string): boolean => value.length <= MAX_DOMAIN_NAME_LENGTH && /^[a-z0-9.-]+\.[a-z]{2,}$/.test(value);
