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

/** A display name from outside (an IdP's `name` claim): controls become spaces, at most `max` characters. */
export const cleanName = (value: string, max: number): string => value.replace(/[\p{Cc}\p{Cs}]/gu, ' ').trim().slice(0, max);
