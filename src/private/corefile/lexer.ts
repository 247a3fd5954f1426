/**
 * Tokenizer for the Corefile grammar (the caddyfile lexer CoreDNS uses).
 *
 * Rules followed (coredns/caddy `caddyfile/lexer.go`):
 * - tokens are separated by whitespace (Go's `unicode.IsSpace`); `\r` is skipped
 *   everywhere outside quotes without ending a token;
 * - `#` outside quotes starts a comment. Before a token it runs to the end of the line; inside a
 *   token (`{#note`) it ends the token and runs only to the next whitespace: the lexer reads each
 *   token afresh, so `.:53 {# main server` is `.:53`, `{`, `main`, `server` to CoreDNS;
 * - a token is quoted only if `"` is its first character; inside quotes the only escape is `\"`
 *   and newlines are kept, so a quoted token may span lines;
 * - a UTF-8 byte order mark at the very start is dropped.
 *
 * Every token keeps its offsets in the original text, so the text itself is never rebuilt.
 */

/** A lexical token with its place in the original text. */
export interface Token {
  /** The token's value: quotes removed, `\"` unescaped, `\r` dropped (outside quotes). */
  readonly value: string;
  /** Offset (UTF-16 index) of the token's first character (the opening quote for quoted tokens). */
  readonly start: number;
  /** Offset just after the token's last character (after the closing quote). */
  readonly end: number;
  /** 1-based line of the first character. */
  readonly line: number;
  /** 1-based column (in code points, BOM not counted) of the first character. */
  readonly column: number;
  /** Whether the token was written in double quotes. */
  readonly quoted: boolean;
  /** Position of the token in the token list. */
  readonly index: number;
  /**
   * 1-based line of the last character, only on a quoted token that spans lines (see `endLineOf`).
   * A Corefile of thousands of server blocks has hundreds of thousands of tokens: fields that are
   * almost always at their default are left out.
   */
  readonly endLine?: number;
  /** True on a quoted token that reached the end of the text without its closing quote. */
  readonly unterminated?: true;
}

/** The 1-based line of a token's last character. */
export function endLineOf(t: Token): number {
  return t.endLine ?? t.line;
}

/** The result of tokenizing a Corefile. */
export interface LexResult {
  readonly tokens: Token[];
  /** Offset at which each 1-based line starts (index 0 is unused). */
  readonly lineStarts: number[];
  /** Length of the BOM that was skipped (0 or 1). */
  readonly bomLength: number;
}

const BOM = 0xfeff;

/** Go's `unicode.IsSpace`. */
export function isGoSpace(cp: number): boolean {
  switch (cp) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20:
    case 0x85: case 0xa0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

/** Splits `text` into tokens following CoreDNS's lexer. */
export function lex(text: string): LexResult {
  const tokens: Token[] = [];
  const lineStarts: number[] = [0, 0];
  const n = text.length;
  const bomLength = n > 0 && text.charCodeAt(0) === BOM ? 1 : 0;

  let line = 1;
  let column = 0; // column of the current character (1-based once incremented)
  let comment = false;
  let quoted = false;
  let escaped = false;
  let inToken = false;
  /** The value of a quoted token, built as it is read (unquoted values are sliced from the text). */
  let value = '';
  /** Whether the unquoted token being read contains a `\r` (dropped from its value). */
  let hasCr = false;
  let start = 0;
  let startLine = 0;
  let startColumn = 0;
  let lastEnd = 0;

  const emit = (tokenValue: string, end: number, unterminated: boolean) => {
    const token: { -readonly [K in keyof Token]: Token[K] } = {
      value: tokenValue, start, end, line: startLine, column: startColumn, quoted, index: tokens.length,
    };
    if (line !== startLine) token.endLine = line;
    if (unterminated) token.unterminated = true;
    tokens.push(token);
    inToken = false;
    quoted = false;
    escaped = false;
    hasCr = false;
    value = '';
  };
  const unquotedValue = (): string => {
    const raw = text.slice(start, lastEnd);
    return hasCr ? raw.replace(/\r/g, '') : raw;
  };

  let i = bomLength;
  while (i < n) {
    let cp = text.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    column++;

    if (quoted) {
      if (!escaped && cp === 0x5c /* \ */) {
        escaped = true;
      } else if (!escaped && cp === 0x22 /* " */) {
        emit(value, i + width, false);
      } else {
        if (escaped && cp !== 0x22) {
          value += '\\';
        }
        value += width === 1 ? text.charAt(i) : text.slice(i, i + 2);
        escaped = false;
      }
      if (cp === 0x0a) {
        line++;
        column = 0;
        lineStarts.push(i + 1);
      }
      i += width;
      continue;
    }

    if ((cp <= 0x20 || cp >= 0x85) && isGoSpace(cp)) {
      if (cp === 0x0d) {
        if (inToken) {
          hasCr = true;
        }
        i += width;
        continue;
      }
      if (inToken) {
        emit(unquotedValue(), lastEnd, false);
        // A comment begun inside the token ends with it.
        comment = false;
      }
      if (cp === 0x0a) {
        line++;
        column = 0;
        comment = false;
        lineStarts.push(i + 1);
      }
      i += width;
      continue;
    }

    if (cp === 0x23 /* # */) {
      comment = true;
    }
    if (comment) {
      i += width;
      continue;
    }

    if (!inToken) {
      inToken = true;
      start = i;
      startLine = line;
      startColumn = column;
      if (cp === 0x22) {
        quoted = true;
        i += width;
        continue;
      }
    }
    lastEnd = i + width;
    i += width;
  }

  if (quoted) {
    // CoreDNS drops a lone opening quote at the end of the text.
    if (value.length > 0) {
      emit(value, n, true);
    }
  } else if (inToken) {
    emit(unquotedValue(), lastEnd, false);
  }

  return { tokens, lineStarts, bomLength };
}
