import { RE2_CATEGORIES, RE2_CATEGORY_ALIASES, RE2_SCRIPTS } from './re2-unicode-names';
import { invalid } from './validation';

/**
 * A syntax check of regular expressions as Go's regexp/syntax parses them (Perl flags, as
 * `regexp.Compile` does): the RE2 dialect Prometheus compiles relabeling regexes with. JavaScript's
 * RegExp accepts what RE2 refuses (lookarounds, backreferences, `\Z`) and refuses what RE2
 * accepts (`(?i)` in the middle, `\pL`, `\Q...\E`), so it cannot tell whether Prometheus and
 * prometheus-operator will load a ScrapeConfig.
 *
 * The parser follows Go 1.26's src/regexp/syntax/parse.go step by step (the parse loop,
 * parsePerlFlags, parseEscape, parseClass, parseUnicodeClass, parseRepeat, repeat and
 * repeatIsValid), and the messages are Go's (`invalid or unsupported Perl syntax: \`(?=\``).
 * Not modelled: the limits on the size of a compiled program (128 MiB) and on the height of the
 * parse tree (1000), which only expressions thousands of characters long reach.
 */

/** Why Go's regexp/syntax refuses `pattern`, in Go's words; undefined when it accepts it. */
export function re2SyntaxError(pattern: string): string | undefined {
  try {
    new Re2Parser(pattern).parse();
    return undefined;
  } catch (e) {
    if (e instanceof Re2Error) return e.message;
    throw e;
  }
}

/**
 * Why Prometheus refuses `regex` as a relabeling regex: it compiles `^(?s:<regex>)$`
 * (model/relabel NewRegexp), which prometheus-operator checks the same way.
 */
export function relabelRegexError(regex: string): string | undefined {
  return re2SyntaxError(`^(?s:${regex})$`);
}

/** What RE2 does not have, and what to write instead, for the refusals users meet most. */
function hintFor(regex: string, error: string): string {
  if (/`\(\?<?[=!]/.test(error) || /\(\?<[=!]/.test(regex) && /named capture/.test(error)) {
    return 'RE2 has no lookahead or lookbehind: match the text itself (relabeling regexes are anchored), or use a second relabeling (e.g. a drop after a keep).';
  }
  if (/`\(\?>/.test(error)) return 'RE2 has no atomic groups: use a plain group (?:...).';
  if (/escape sequence: `\\[1-9]`/.test(error)) return 'RE2 has no backreferences: spell the repeated text out, or match it with a second relabeling.';
  if (/nested repetition operator: `[*+?}]\+`/.test(error)) return 'RE2 has no possessive quantifiers: drop the trailing +.';
  if (/escape sequence: `\\Z`/.test(error)) return 'Use \\z, or nothing: relabeling regexes are anchored at both ends.';
  if (/repetition size|repeat/.test(error)) return 'RE2 allows at most 1000 repetitions, nested repeats multiplied.';
  return 'Prometheus compiles relabeling regexes with Go\'s RE2 syntax (https://github.com/google/re2/wiki/Syntax).';
}

/** Checks a relabeling regex as Prometheus will compile it; refuses with the reason and what to write instead. */
export function checkRelabelRegex(owner: string, prop: string, regex: string): string {
  if (typeof regex !== 'string') invalid(owner, prop, regex, 'a regular expression (a string, RE2 syntax)');
  const error = relabelRegexError(regex);
  if (error !== undefined) {
    invalid(owner, prop, regex, 'a regular expression Prometheus can compile (Go\'s RE2 syntax)', `Go's regexp says: ${error}. ${hintFor(regex, error)}`);
  }
  return regex;
}

class Re2Error extends Error {}

const ERR = {
  invalidCharClass: 'invalid character class',
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  invalidUtf8: 'invalid UTF-8',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
};

function fail(code: string, expr: string): never {
  throw new Re2Error(expr === '' ? code : `${code}: \`${expr}\``);
}

/** A node of the parse tree, as far as validity needs it: the counted repeats (for repeatIsValid). */
interface Node {
  readonly repeat?: { min: number; max: number };
  readonly subs: Node[];
}
type Item = Node | 'leftParen' | 'bar';

const POSIX_CLASSES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']
  .flatMap((n) => [`[:${n}:]`, `[:^${n}:]`]));
const UNICODE_NAMES = new Set([...RE2_CATEGORIES, ...RE2_SCRIPTS, ...RE2_CATEGORY_ALIASES, 'Any', 'Assigned', 'Ascii', 'Lc']);

function isAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c);
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function unhex(c: string): number {
  return /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1;
}

/** regexp/syntax's canonicalName: `old_italic` → `Olditalic`. */
function canonicalName(name: string): string {
  let out = '';
  let first = true;
  for (const ch of name) {
    if (ch === '_' || ch === '-' || ch === ' ') continue;
    if (first) {
      out += ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
      first = false;
    } else {
      out += ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
    }
  }
  return out;
}

class Re2Parser {
  private readonly stack: Item[] = [];
  private t: string;

  public constructor(private readonly whole: string) {
    this.t = whole;
  }

  public parse(): void {
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(this.whole)) fail(ERR.invalidUtf8, '');
    let lastRepeat = '';
    while (this.t !== '') {
      let repeat = '';
      const c = this.t[0];
      switch (c) {
        case '(':
          if (this.t.length >= 2 && this.t[1] === '?') {
            this.t = this.parsePerlFlags(this.t);
          } else {
            this.stack.push('leftParen');
            this.t = this.t.slice(1);
          }
          break;
        case '|':
          this.collapseConcat();
          this.stack.push('bar');
          this.t = this.t.slice(1);
          break;
        case ')':
          this.parseRightParen();
          this.t = this.t.slice(1);
          break;
        case '^': case '$': case '.':
          this.pushLeaf();
          this.t = this.t.slice(1);
          break;
        case '[':
          this.t = this.parseClass(this.t);
          this.pushLeaf();
          break;
        case '*': case '+': case '?': {
          const before = this.t;
          this.t = this.repeat(0, 0, before, this.t.slice(1), lastRepeat, false);
          repeat = before;
          break;
        }
        case '{': {
          const before = this.t;
          const parsed = parseRepeat(this.t);
          if (parsed === undefined) {
            this.pushLeaf();
            this.t = this.t.slice(1);
            break;
          }
          const { min, max, rest } = parsed;
          if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max)) {
            fail(ERR.invalidRepeatSize, before.slice(0, before.length - rest.length));
          }
          this.t = this.repeat(min, max, before, rest, lastRepeat, true);
          repeat = before;
          break;
        }
        case '\\':
          this.parseBackslash();
          break;
        default:
          this.pushLeaf();
          this.t = this.t.slice(String.fromCodePoint(this.t.codePointAt(0)!).length);
      }
      lastRepeat = repeat;
    }
    this.collapseConcat();
    this.collapseAlternation();
    if (this.stack.length !== 1) fail(ERR.missingParen, this.whole);
  }

  private pushLeaf(): void {
    this.stack.push({ subs: [] });
  }

  private parseBackslash(): void {
    const t = this.t;
    if (t.length >= 2) {
      switch (t[1]) {
        case 'A': case 'b': case 'B': case 'z':
          this.pushLeaf();
          this.t = t.slice(2);
          return;
        case 'C':
          return fail(ERR.invalidEscape, t.slice(0, 2));
        case 'Q': {
          const end = t.indexOf('\\E', 2);
          const lit = end < 0 ? t.slice(2) : t.slice(2, end);
          for (const _ of lit) this.pushLeaf();
          this.t = end < 0 ? '' : t.slice(end + 2);
          return;
        }
      }
    }
    if (t.length >= 2 && (t[1] === 'p' || t[1] === 'P')) {
      this.t = parseUnicodeClass(t);
      this.pushLeaf();
      return;
    }
    const perl = parsePerlClassEscape(t);
    if (perl !== undefined) {
      this.t = perl;
      this.pushLeaf();
      return;
    }
    this.t = parseEscape(t).rest;
    this.pushLeaf();
  }

  private parsePerlFlags(s: string): string {
    const startsWithP = s.length > 4 && s[2] === 'P' && s[3] === '<';
    const startsWithName = s.length > 3 && s[2] === '<';
    if (startsWithP || startsWithName) {
      const exprStart = startsWithName ? 3 : 4;
      const end = s.indexOf('>');
      if (end < 0) fail(ERR.invalidNamedCapture, s);
      const capture = s.slice(0, end + 1);
      const name = s.slice(exprStart, end);
      if (name === '' || !/^[0-9A-Za-z_]+$/.test(name)) fail(ERR.invalidNamedCapture, capture);
      this.stack.push('leftParen');
      return s.slice(end + 1);
    }
    let t = s.slice(2);
    let sign = 1;
    let sawFlag = false;
    while (t !== '') {
      const c = String.fromCodePoint(t.codePointAt(0)!);
      t = t.slice(c.length);
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        sawFlag = true;
      } else if (c === '-') {
        if (sign < 0) break;
        sign = -1;
        sawFlag = false;
      } else if (c === ':' || c === ')') {
        if (sign < 0 && !sawFlag) break;
        if (c === ':') this.stack.push('leftParen');
        return t;
      } else {
        break;
      }
    }
    fail(ERR.invalidPerlOp, s.slice(0, s.length - t.length));
  }

  private repeat(min: number, max: number, before: string, after: string, lastRepeat: string, counted: boolean): string {
    let rest = after;
    if (rest.startsWith('?')) rest = rest.slice(1);
    if (lastRepeat !== '') fail(ERR.invalidRepeatOp, lastRepeat.slice(0, lastRepeat.length - rest.length));
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || top === 'leftParen' || top === 'bar') {
      fail(ERR.missingRepeatArgument, before.slice(0, before.length - rest.length));
    }
    const node: Node = { repeat: counted ? { min, max } : undefined, subs: [top] };
    this.stack[this.stack.length - 1] = node;
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(node, 1000)) {
      fail(ERR.invalidRepeatSize, before.slice(0, before.length - rest.length));
    }
    return rest;
  }

  /** Replaces the items since the last '(' or '|' by their concatenation. */
  private collapseConcat(): void {
    let i = this.stack.length;
    while (i > 0 && this.stack[i - 1] !== 'leftParen' && this.stack[i - 1] !== 'bar') i--;
    const subs = this.stack.splice(i) as Node[];
    this.stack.push(subs.length === 1 ? subs[0] : { subs });
  }

  /** Replaces `x | y | z` (after the last '(') by one node. */
  private collapseAlternation(): void {
    const subs: Node[] = [];
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1];
      if (top === 'leftParen') break;
      this.stack.pop();
      if (top !== 'bar') subs.unshift(top);
    }
    this.stack.push(subs.length === 1 ? subs[0] : { subs });
  }

  private parseRightParen(): void {
    this.collapseConcat();
    this.collapseAlternation();
    const n = this.stack.length;
    if (n < 2 || this.stack[n - 2] !== 'leftParen') fail(ERR.unexpectedParen, this.whole);
    const inner = this.stack.pop() as Node;
    this.stack.pop();
    this.stack.push({ subs: [inner] });
  }

  private parseClass(s: string): string {
    let t = s.slice(1);
    if (t.startsWith('^')) t = t.slice(1);
    let first = true;
    while (t === '' || t[0] !== ']' || first) {
      first = false;
      if (t.length > 2 && t[0] === '[' && t[1] === ':') {
        const i = t.indexOf(':]', 2);
        if (i >= 0) {
          const name = t.slice(0, i + 2);
          if (!POSIX_CLASSES.has(name)) fail(ERR.invalidCharRange, name);
          t = t.slice(i + 2);
          continue;
        }
      }
      if (t.length >= 2 && t[0] === '\\' && (t[1] === 'p' || t[1] === 'P')) {
        t = parseUnicodeClass(t);
        continue;
      }
      const perl = parsePerlClassEscape(t);
      if (perl !== undefined) {
        t = perl;
        continue;
      }
      const range = t;
      const lo = parseClassChar(t, s);
      t = lo.rest;
      if (t.length >= 2 && t[0] === '-' && t[1] !== ']') {
        const hi = parseClassChar(t.slice(1), s);
        t = hi.rest;
        if (hi.rune < lo.rune) fail(ERR.invalidCharRange, range.slice(0, range.length - t.length));
      }
    }
    return t.slice(1);
  }
}

/** regexp/syntax's repeatIsValid: nested counted repeats may not exceed 1000 copies of the innermost thing. */
function repeatIsValid(node: Node, n: number): boolean {
  let budget = n;
  if (node.repeat !== undefined) {
    let m = node.repeat.max;
    if (m === 0) return true;
    if (m < 0) m = node.repeat.min;
    if (m > budget) return false;
    if (m > 0) budget = Math.floor(budget / m);
  }
  return node.subs.every((sub) => repeatIsValid(sub, budget));
}

function parseInt10(s: string): { n: number; rest: string } | undefined {
  if (s === '' || s[0] < '0' || s[0] > '9') return undefined;
  if (s.length >= 2 && s[0] === '0' && s[1] >= '0' && s[1] <= '9') return undefined;
  const digits = /^[0-9]+/.exec(s)![0];
  let n = 0;
  for (const d of digits) {
    if (n >= 1e8) {
      n = -1;
      break;
    }
    n = n * 10 + Number(d);
  }
  return { n, rest: s.slice(digits.length) };
}

function parseRepeat(s: string): { min: number; max: number; rest: string } | undefined {
  let t = s.slice(1);
  const lo = parseInt10(t);
  if (lo === undefined) return undefined;
  let min = lo.n;
  let max: number;
  t = lo.rest;
  if (t === '') return undefined;
  if (t[0] !== ',') {
    max = min;
  } else {
    t = t.slice(1);
    if (t === '') return undefined;
    if (t[0] === '}') {
      max = -1;
    } else {
      const hi = parseInt10(t);
      if (hi === undefined) return undefined;
      max = hi.n;
      t = hi.rest;
      if (max < 0) min = -1;
    }
  }
  if (t === '' || t[0] !== '}') return undefined;
  return { min, max, rest: t.slice(1) };
}

function parsePerlClassEscape(s: string): string | undefined {
  return /^\\[dDsSwW]/.test(s) ? s.slice(2) : undefined;
}

function parseUnicodeClass(s: string): string {
  let t = s.slice(2);
  if (t === '') fail(ERR.invalidCharRange, s.slice(0, 2));
  const c = String.fromCodePoint(t.codePointAt(0)!);
  let seq: string;
  let name: string;
  if (c !== '{') {
    t = t.slice(c.length);
    seq = s.slice(0, s.length - t.length);
    name = seq.slice(2);
  } else {
    const end = s.indexOf('}');
    if (end < 0) fail(ERR.invalidCharRange, s);
    seq = s.slice(0, end + 1);
    t = s.slice(end + 1);
    name = s.slice(3, end);
  }
  if (name.startsWith('^')) name = name.slice(1);
  if (!UNICODE_NAMES.has(canonicalName(name))) fail(ERR.invalidCharRange, seq);
  return t;
}

function parseClassChar(s: string, wholeClass: string): { rune: number; rest: string } {
  if (s === '') fail(ERR.missingBracket, wholeClass);
  if (s[0] === '\\') return parseEscape(s);
  const c = String.fromCodePoint(s.codePointAt(0)!);
  return { rune: c.codePointAt(0)!, rest: s.slice(c.length) };
}

function parseEscape(s: string): { rune: number; rest: string } {
  let t = s.slice(1);
  if (t === '') fail(ERR.trailingBackslash, '');
  const c = String.fromCodePoint(t.codePointAt(0)!);
  t = t.slice(c.length);
  const bad = (): never => fail(ERR.invalidEscape, s.slice(0, s.length - t.length));
  if (c >= '1' && c <= '7' && !isOctal(t[0])) bad(); // a backreference
  if (c >= '0' && c <= '7') {
    let r = Number(c);
    for (let i = 1; i < 3 && isOctal(t[0]); i++) {
      r = r * 8 + Number(t[0]);
      t = t.slice(1);
    }
    return { rune: r, rest: t };
  }
  if (c === 'x') {
    if (t === '') bad();
    const d = String.fromCodePoint(t.codePointAt(0)!);
    t = t.slice(d.length);
    if (d === '{') {
      let nhex = 0;
      let r = 0;
      for (;;) {
        if (t === '') bad();
        const h = String.fromCodePoint(t.codePointAt(0)!);
        t = t.slice(h.length);
        if (h === '}') break;
        const v = unhex(h);
        if (v < 0) bad();
        r = r * 16 + v;
        if (r > 0x10ffff) bad();
        nhex++;
      }
      if (nhex === 0) bad();
      return { rune: r, rest: t };
    }
    const x = unhex(d);
    const e = t === '' ? '' : String.fromCodePoint(t.codePointAt(0)!);
    t = t.slice(e.length);
    const y = e === '' ? -1 : unhex(e);
    if (x < 0 || y < 0) bad();
    return { rune: x * 16 + y, rest: t };
  }
  const controls: { [c: string]: number } = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (c in controls) return { rune: controls[c], rest: t };
  const code = c.codePointAt(0)!;
  if (code < 0x80 && !isAlnum(c)) return { rune: code, rest: t };
  return bad();
}
