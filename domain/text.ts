/**
 * Controls (C0 such as NUL, ESC, CR and LF; DEL; C1) and lone UTF-16 surrogates. None belongs in a
 * slug, an address, a hint, a code or a name: PostgreSQL refuses NUL (SQLSTATE 22021), and the
 * rest garble logs and pages.
 */
const CONTROL = /[\p{Cc}\p{Cs}]/u;
/** Free text (a body field) may span lines: tab, LF and CR are allowed there, no other control. */
const CONTROL_EXCEPT_LINE_BREAKS = /(?![\t\n\r])[\p{Cc}\p{Cs}]/u;

export const hasControlCharacter = (value: string): boolean => CONTROL.test(value);

export const hasControlCharacterInText = (value: string): boolean => CONTROL_EXCEPT_LINE_BREAKS.test(value);

/**
 * Bidirectional embeddings, overrides and isolates: a name carrying U+202E shows text reversed in an
 * admin's email or page ("moc.elgoog@..."). Other format characters (ZWJ in emoji, soft hyphens) stay.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/gu;

/** A display name from outside (an IdP's `name` claim): controls become spaces, bidi controls go, at most `max` characters. */
export const cleanName = (value: string, max: number): string =>
  value.replace(/[\p{Cc}\p{Cs}]/gu, ' ').replace(BIDI_CONTROL, '').trim().slice(0, max);
