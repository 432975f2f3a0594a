import { ClientError } from './errors.ts';

export interface Pair {
  name: string;
  value: string;
}

/** Percent-decodes one URL component; a malformed escape is refused, never passed on raw. */
export function decodeComponent(raw: string, where: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ClientError(
      400,
      'invalid_input',
      `${where} is not valid percent-encoding: each % must start a UTF-8 byte written as two hex digits (encode values with encodeURIComponent).`,
    );
  }
}

/** `a=1&b=2` (a query string or a form body) as decoded pairs, in order, repeats kept; `+` is a space. */
export function parseUrlEncoded(raw: string, where: string): Pair[] {
  return raw
    .split('&')
    .filter((piece) => piece !== '')
    .map((piece) => {
      const eq = piece.indexOf('=');
      const [name, value] = eq === -1 ? [piece, ''] : [piece.slice(0, eq), piece.slice(eq + 1)];
      return { name: decodeComponent(name.replaceAll('+', ' '), where), value: decodeComponent(value.replaceAll('+', ' '), where) };
    });
}

/** A name from the request, quoted for a message when it is short and plain; otherwise `otherwise`. */
export const quoted = (name: string, otherwise: string): string => (name.length <= 64 && /^[\w.-]+$/.test(name) ? `"${name}"` : otherwise);
