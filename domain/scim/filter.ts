/**
 * SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2), parsed into a small tree; what an
 * attribute means is resolved later against the schema (path.ts). Keywords are case-insensitive.
 * Beyond the RFC's grammar, `emails[type eq "work"].value eq "x"` (Microsoft Entra, and this
 * service's contract) reads as `emails[type eq "work" and value eq "x"]`.
 *
 * Not scim2-parse-filter: its tree has no schema, and listing needs the filter as SQL
 * (db/directory-filter.ts) with each attribute's type and caseExact, which this tree resolves.
 */
import { hasControlCharacter } from '../text.ts';
import { invalidFilter, invalidPath, type ScimError } from './errors.ts';

/** An attribute as written: an optional schema URN, a name, an optional sub-attribute. */
export interface AttrPath {
  schema?: string;
  name: string;
  sub?: string;
}

export const compareOps = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'] as const;
export type CompareOp = (typeof compareOps)[number];
export type FilterValue = string | number | boolean | null;

export type Filter =
  | { kind: 'logical'; op: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'compare'; op: CompareOp; path: AttrPath; value: FilterValue }
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

/** A PATCH target: `name`, `name.sub`, `urn:…:name`, `name[filter]` or `name[filter].sub`. */
export interface PatchPath {
  path: AttrPath;
  filter?: Filter;
}

type TokenKind = '(' | ')' | '[' | ']' | '.' | 'string' | 'number' | 'word';
interface Token {
  kind: TokenKind;
  text: string;
  at: number;
}

const MAX_DEPTH = 16;
const TOKEN = /\s*(?:(?<punct>[()[\].])|(?<string>"(?:[^"\\\p{Cc}]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")|(?<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?<word>(?:urn:[\w.:-]+:)?[A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?))/uy;

function tokenize(text: string, fail: (detail: string) => ScimError): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match?.groups) throw fail(`Unexpected character at position ${at + 1} of "${text.slice(0, 200)}".`);
    const { punct, string, number, word } = match.groups;
    const kind: TokenKind = punct ? (punct as TokenKind) : string ? 'string' : number ? 'number' : 'word';
    tokens.push({ kind, text: (punct ?? string ?? number ?? word)!, at: at + 1 });
  }
  return tokens;
}

function toAttrPath(word: string): AttrPath {
  const colon = word.lastIndexOf(':');
  const schema = colon >= 0 ? word.slice(0, colon) : undefined;
  const [name, sub] = word.slice(colon + 1).split('.') as [string, string?];
  return { ...(schema ? { schema } : {}), name, ...(sub ? { sub } : {}) };
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly fail: (detail: string) => ScimError,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private error(expected: string): ScimError {
    const token = this.peek();
    return this.fail(`Expected ${expected} ${token ? `at position ${token.at} ("${token.text.slice(0, 40)}")` : 'at the end'} of "${this.source.slice(0, 200)}".`);
  }
  private keyword(...words: string[]): string | undefined {
    const token = this.peek();
    const word = token?.kind === 'word' ? token.text.toLowerCase() : undefined;
    if (word && words.includes(word)) {
      this.i++;
      return word;
    }
    return undefined;
  }
  private expect(kind: TokenKind, what: string): Token {
    const token = this.peek();
    if (token?.kind !== kind) throw this.error(what);
    this.i++;
    return token;
  }
  end(): void {
    if (this.peek()) throw this.error('nothing more');
  }

  filter(depth: number): Filter {
    if (depth > MAX_DEPTH) throw this.fail(`The filter nests deeper than ${MAX_DEPTH} levels.`);
    let left = this.conjunction(depth);
    while (this.keyword('or')) left = { kind: 'logical', op: 'or', left, right: this.conjunction(depth) };
    return left;
  }
  private conjunction(depth: number): Filter {
    let left = this.negation(depth);
    while (this.keyword('and')) left = { kind: 'logical', op: 'and', left, right: this.negation(depth) };
    return left;
  }
  private negation(depth: number): Filter {
    if (!this.keyword('not')) return this.primary(depth);
    this.expect('(', '"(" after "not"');
    const filter = this.filter(depth + 1);
    this.expect(')', '")"');
    return { kind: 'not', filter };
  }
  private primary(depth: number): Filter {
    if (this.peek()?.kind === '(') {
      this.i++;
      const filter = this.filter(depth + 1);
      this.expect(')', '")"');
      return filter;
    }
    const path = this.attrPath();
    if (this.peek()?.kind !== '[') return this.comparison(path);
    const valuePath = this.valueFilter(path, depth);
    if (this.peek()?.kind !== '.') return valuePath;
    this.i++;
    const sub = this.subName();
    return { ...valuePath, filter: { kind: 'logical', op: 'and', left: valuePath.filter, right: this.comparison({ name: sub }) } };
  }
  private comparison(path: AttrPath): Filter {
    if (this.keyword('pr')) return { kind: 'present', path };
    const op = this.keyword(...compareOps) as CompareOp | undefined;
    if (!op) throw this.error(`an operator (${compareOps.join(', ')} or pr)`);
    return { kind: 'compare', op, path, value: this.value() };
  }
  private valueFilter(path: AttrPath, depth: number): Filter & { kind: 'valuePath' } {
    if (path.sub) throw this.fail(`"${path.name}.${path.sub}[...]" filters a sub-attribute; filter the attribute: ${path.name}[...].`);
    this.expect('[', '"["');
    const filter = this.filter(depth + 1);
    this.expect(']', '"]"');
    return { kind: 'valuePath', path, filter };
  }
  private value(): FilterValue {
    const token = this.peek();
    this.i++;
    if (token?.kind === 'string') {
      const text = JSON.parse(token.text) as string;
      // An escape such as \u0000 must not reach PostgreSQL, which refuses NUL outright.
      if (hasControlCharacter(text)) throw this.fail('A filter value contains a control character.');
      return text;
    }
    if (token?.kind === 'number') return Number(token.text);
    const literal = token?.kind === 'word' ? token.text.toLowerCase() : undefined;
    if (literal === 'true' || literal === 'false') return literal === 'true';
    if (literal === 'null') return null;
    this.i--;
    throw this.error('a value ("a string", a number, true, false or null)');
  }
  private subName(): string {
    const sub = this.expect('word', 'a sub-attribute name after "]."').text;
    if (sub.includes('.') || sub.includes(':')) throw this.fail(`"${sub}" is not a sub-attribute name.`);
    return sub;
  }
  attrPath(): AttrPath {
    return toAttrPath(this.expect('word', 'an attribute name').text);
  }
  patchPath(): PatchPath {
    const path = this.attrPath();
    if (this.peek()?.kind !== '[') return { path };
    const { filter } = this.valueFilter(path, 0);
    if (this.peek()?.kind !== '.') return { path, filter };
    this.i++;
    return { path: { ...path, sub: this.subName() }, filter };
  }
}

export function parseFilter(text: string): Filter {
  const parser = new Parser(tokenize(text, invalidFilter), text, invalidFilter);
  const filter = parser.filter(0);
  parser.end();
  return filter;
}

export function parsePatchPath(text: string): PatchPath {
  const parser = new Parser(tokenize(text, invalidPath), text, invalidPath);
  const path = parser.patchPath();
  parser.end();
  return path;
}
