/**
 * Corefile parser: groups tokens into server blocks, snippets and top-level imports, the way
 * coredns/caddy's `caddyfile/parse.go` does, while keeping each token's place in the text.
 *
 * Deliberate differences from CoreDNS (all of them reject input rather than guess):
 * - a `'{'` that starts a line inside a server block (a plugin block opened on the next line) is an
 *   error; CoreDNS's parser accepts it but plugins then read their options wrongly;
 * - a stray `'}'` (one that closes nothing) is an error even where CoreDNS would silently end a
 *   block without braces;
 * - a server block must be closed by its own `'}'`; CoreDNS also accepts a file whose last `'}'`
 *   closes a plugin block and leaves the server block open;
 * - a quoted `"{"` or `"}"` is text, never a brace.
 */
import { endLineOf, lex, LexResult, Token } from './lexer';
import { quote } from './names';

/** A block `{ ... }` that belongs to a directive. */
export interface BlockNode {
  readonly open: Token;
  readonly close: Token;
  readonly directives: DirectiveNode[];
}

/** A directive (plugin line) or a line inside a plugin block. */
export interface DirectiveNode {
  readonly name: Token;
  readonly args: Token[];
  readonly blocks: BlockNode[];
  /** Whether the directive's first token is the first token on its line. */
  readonly ownLine: boolean;
  /** The directive's last token (its last argument or the `}` of its last block). */
  readonly last: Token;
}

/** A server block: keys then directives, with or without braces. */
export interface ServerBlockNode {
  readonly kind: 'server';
  readonly keys: string[];
  readonly keyTokens: Token[];
  readonly open?: Token;
  readonly close?: Token;
  readonly directives: DirectiveNode[];
}

/** A snippet `(name) { ... }`. */
export interface SnippetNode {
  readonly kind: 'snippet';
  readonly name: string;
  readonly keyToken: Token;
  readonly open: Token;
  readonly close: Token;
  /** The snippet's content read as directive lines, or undefined when it cannot be read that way. */
  readonly directives?: DirectiveNode[];
}

/** An `import` statement at the top level. */
export interface ImportNode {
  readonly kind: 'import';
  readonly token: Token;
  readonly pattern: Token;
}

/** One top-level item of a Corefile. */
export type TopLevelNode = ServerBlockNode | SnippetNode | ImportNode;

/** The parsed form of a Corefile text. */
export interface ParsedCorefile {
  readonly text: string;
  readonly lex: LexResult;
  readonly items: TopLevelNode[];
  /** For each token index, whether the token is the first on its line. */
  readonly ownLine: boolean[];
}

/**
 * Shared by every directive without arguments or blocks (most of them), to spare an allocation
 * each; frozen, as nothing may add to it.
 */
const NO_ARGS: Token[] = Object.freeze([]) as unknown as Token[];
const NO_BLOCKS: BlockNode[] = Object.freeze([]) as unknown as BlockNode[];

function isOpen(t: Token | undefined): boolean {
  return t !== undefined && !t.quoted && t.value === '{';
}

function isClose(t: Token | undefined): boolean {
  return t !== undefined && !t.quoted && t.value === '}';
}

function at(t: Token): string {
  return `line ${t.line}:${t.column}`;
}

class Parser {
  private pos = 0;
  private readonly ownLine: boolean[];

  constructor(private readonly tokens: Token[], private readonly source: string) {
    this.ownLine = tokens.map((t, i) => i === 0 || endLineOf(tokens[i - 1]) < t.line);
  }

  public lineFlags(): boolean[] {
    return this.ownLine;
  }

  /** Parses a whole Corefile. */
  public parseFile(): TopLevelNode[] {
    const items: TopLevelNode[] = [];
    const snippets = new Map<string, Token>();
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos];
      if (isOpen(t)) {
        this.fail(t, 'unexpected \'{\' without a server address; a server block starts with its zone and port, e.g. \'.:53 {\'. Add the address before \'{\' or remove the \'{\'');
      }
      if (isClose(t)) {
        this.fail(t, 'unexpected \'}\' that closes nothing; remove it or add the \'{\' it should close');
      }
      if (t.value === 'import' && this.ownLine[this.pos]) {
        const { pattern } = this.importStatement();
        items.push({ kind: 'import', token: t, pattern });
        continue;
      }
      const item = this.serverBlockOrSnippet();
      if (item.kind === 'snippet') {
        const previous = snippets.get(item.name);
        if (previous) {
          this.fail(item.keyToken, `snippet ${quote(item.keyToken.value)} is declared twice (first at ${at(previous)}); rename or remove one of them`);
        }
        snippets.set(item.name, item.keyToken);
      }
      items.push(item);
    }
    return items;
  }

  /** Parses directive lines up to the end of the tokens (the content of an imported file or snippet). */
  public parseBody(): DirectiveNode[] {
    return this.directives(0, undefined, '').directives;
  }

  private serverBlockOrSnippet(): ServerBlockNode | SnippetNode {
    const keyTokens: Token[] = [];
    const keys: string[] = [];
    let expectingAnother = false;
    for (;;) {
      const t = this.tokens[this.pos];
      if (t === undefined) {
        if (expectingAnother) {
          const last = keyTokens[keyTokens.length - 1];
          this.fail(last, 'the server address list ends with \',\' at the end of the file; remove the trailing comma or add the missing address');
        }
        break;
      }
      if (isOpen(t)) {
        if (expectingAnother) {
          this.fail(t, `expected another server address after ',' but found '{'; remove the trailing comma from ${quote(keyTokens[keyTokens.length - 1].value)}`);
        }
        break;
      }
      if (isClose(t)) {
        this.fail(t, `unexpected '}' in the server address list (after ${quote(keyTokens[keyTokens.length - 1].value)}); a server block is written '<zone>[:port] {' ... '}'`);
      }
      if (keyTokens.length > 0 && !expectingAnother && this.ownLine[this.pos]) {
        break;
      }
      this.pos++;
      keyTokens.push(t);
      if (t.value !== '') {
        let key = t.value;
        expectingAnother = key.endsWith(',');
        if (expectingAnother) {
          key = key.slice(0, -1);
        }
        keys.push(key);
      }
    }

    const first = keyTokens[0];
    const next = this.tokens[this.pos];
    const snippetName = keys.length === 1 && keys[0].startsWith('(') && keys[0].endsWith(')') ? keys[0].slice(1, -1) : undefined;

    if (snippetName !== undefined && next !== undefined) {
      if (!isOpen(next)) {
        this.fail(next, `snippet ${quote(keys[0])} (${at(first)}) must be followed by '{'; found ${quote(next.value)}. Write '${keys[0]} {' ... '}'`);
      }
      return this.snippetBody(snippetName, first, next);
    }

    if (isOpen(next)) {
      this.pos++;
      const label = `server block ${quote(keys.join(' '))}`;
      const body = this.directives(0, next, label);
      return { kind: 'server', keys, keyTokens, open: next, close: body.close, directives: body.directives };
    }

    // A block without braces runs to the end of the file.
    const body = this.directives(0, undefined, '');
    return { kind: 'server', keys, keyTokens, directives: body.directives };
  }

  private snippetBody(name: string, keyToken: Token, open: Token): SnippetNode {
    this.pos++;
    const bodyStart = this.pos;
    let depth = 1;
    let close: Token | undefined;
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos++];
      if (isClose(t)) {
        depth--;
        if (depth === 0) {
          close = t;
          break;
        }
      } else if (isOpen(t)) {
        depth++;
      }
    }
    if (close === undefined) {
      this.fail(open, `the '{' of snippet ${quote(keyToken.value)} is never closed; add the missing '}'${this.unterminatedHint()}`);
    }
    let directives: DirectiveNode[] | undefined;
    try {
      directives = new Parser(this.tokens.slice(bodyStart, this.pos - 1), this.source).parseBody();
    } catch {
      directives = undefined; // e.g. a snippet that holds whole server blocks
    }
    return { kind: 'snippet', name, keyToken, open, close: close as Token, directives };
  }

  /** Reads directives until the `}` that matches `open` (or the end when `open` is undefined). */
  private directives(depth: number, open: Token | undefined, label: string): { directives: DirectiveNode[]; close?: Token } {
    const result: DirectiveNode[] = [];
    for (;;) {
      const t = this.tokens[this.pos];
      if (t === undefined) {
        if (open !== undefined) {
          this.fail(open, `the '{' of ${label} is never closed; add the missing '}' on its own line${this.unterminatedHint()}`);
        }
        return { directives: result };
      }
      if (isClose(t)) {
        if (open === undefined) {
          this.fail(t, 'unexpected \'}\' that closes nothing; remove it or add the \'{\' it should close');
        }
        this.pos++;
        return { directives: result, close: t };
      }
      if (isOpen(t)) {
        const previous = result[result.length - 1];
        const owner = previous ? ` of ${quote(previous.name.value)} (${at(previous.name)})` : '';
        this.fail(t, `'{' on its own line; a block must be opened on the same line as the plugin or option it belongs to. Move this '{' to the end of the line${owner}`);
      }
      result.push(this.directive(depth));
    }
  }

  private directive(depth: number): DirectiveNode {
    const index = this.pos;
    const name = this.tokens[this.pos++];
    const ownLine = this.ownLine[index];
    if (name.value === 'import' && (depth === 0 || ownLine)) {
      const imp = this.importArgs(name);
      return { name, args: [imp], blocks: [], ownLine, last: imp };
    }
    let args: Token[] = NO_ARGS;
    let blocks: BlockNode[] = NO_BLOCKS;
    let last = name;
    for (;;) {
      const t = this.tokens[this.pos];
      if (t === undefined || this.ownLine[this.pos]) {
        break;
      }
      if (isOpen(t)) {
        this.pos++;
        const body = this.directives(depth + 1, t, quote(name.value));
        const close = body.close as Token;
        if (blocks === NO_BLOCKS) {
          blocks = [];
        }
        blocks.push({ open: t, close, directives: body.directives });
        last = close;
        continue;
      }
      if (isClose(t)) {
        if (depth === 0) {
          this.fail(t, `unexpected '}' after ${quote(name.value)} (${at(name)}); the '}' that closes a server block must start its own line, and a plugin block needs its '{' on the plugin's line`);
        }
        break;
      }
      if (args === NO_ARGS) {
        args = [];
      }
      args.push(t);
      last = t;
      this.pos++;
    }
    return { name, args, blocks, ownLine, last };
  }

  private importStatement(): { pattern: Token } {
    const token = this.tokens[this.pos++];
    return { pattern: this.importArgs(token) };
  }

  /** Reads the single argument of an `import` (the cursor is just after `import`). */
  private importArgs(token: Token): Token {
    const args: Token[] = [];
    while (this.pos < this.tokens.length && !this.ownLine[this.pos]) {
      args.push(this.tokens[this.pos++]);
    }
    if (args.length === 0) {
      this.fail(token, '\'import\' needs exactly one argument on the same line: a file, a glob such as \'custom/*.override\', or a snippet name');
    }
    if (args.length > 1) {
      this.fail(args[1], `'import' takes exactly one argument (a file, glob or snippet name); found the extra ${quote(args[1].value)}. Use one 'import' line per file`);
    }
    if (args[0].value === '') {
      this.fail(args[0], '\'import\' needs a non-empty file, glob or snippet name');
    }
    return args[0];
  }

  private unterminatedHint(): string {
    const open = this.tokens.find((t) => t.unterminated === true);
    return open ? ` (note: the quoted string that starts at ${at(open)} is never closed, so the rest of the text is inside it)` : '';
  }

  private fail(t: Token, message: string): never {
    throw new Error(`Corefile: ${this.source}${at(t)}: ${message}`);
  }
}

/** Parses a Corefile text; throws an `Error` with `line:column` for malformed input. */
export function parseCorefile(text: string): ParsedCorefile {
  const lexed = lex(text);
  const parser = new Parser(lexed.tokens, '');
  const items = parser.parseFile();
  return { text, lex: lexed, items, ownLine: parser.lineFlags() };
}

/**
 * Parses directive lines without a server block around them (the content of a file imported
 * inside a server block). `source` names the content in error messages.
 */
export function parseDirectiveLines(text: string, source: string): DirectiveNode[] {
  return new Parser(lex(text).tokens, `${source}: `).parseBody();
}
