/** An organisation's slug names it in URLs (`/auth/{slug}/login`), workflow IDs and the CLI. */
export const MAX_ORG_SLUG_LENGTH = 63;

/** The rule in words, for messages; the database's check on organisations.slug says the same. */
export const ORG_SLUG_RULE = `lower-case letters, digits and hyphens, starting with a letter or digit, at most ${MAX_ORG_SLUG_LENGTH} characters`;

export const isOrgSlug = (value: string): boolean => value.length <= MAX_ORG_SLUG_LENGTH && /^[a-z0-9][a-z0-9-]*$/.test(value);
