/**
 * Read-only views of a parsed Corefile. Values are the tokens as CoreDNS reads them (quotes
 * removed, `\"` unescaped); environment placeholders such as `{$VAR}` are left as written.
 */

/** A directive (a plugin line of a server block) or an option line inside a plugin block. */
export interface DirectiveInfo {
  /** The directive's name, e.g. `kubernetes`, or the option's name inside a block, e.g. `pods`. */
  readonly name: string;

  /** The arguments written after the name, without the block. */
  readonly args: string[];

  /** 1-based line of the name. */
  readonly line: number;

  /** 1-based column of the name. */
  readonly column: number;

  /** Whether the directive has a `{ ... }` block. */
  readonly hasBlock: boolean;

  /** The lines inside the directive's block, each read as a directive. */
  readonly directives: DirectiveInfo[];
}

/** A server block: the zones it serves and its directives. */
export interface ServerBlockInfo {
  /** The server block keys (`[scheme://]zone[:port]`), trailing commas removed. */
  readonly keys: string[];

  /** 1-based line of the first key. */
  readonly line: number;

  /** 1-based column of the first key. */
  readonly column: number;

  /** Whether the block is written with braces (a single server block may omit them). */
  readonly hasBraces: boolean;

  /** The directives of the block, in file order (snippets and imports are not expanded). */
  readonly directives: DirectiveInfo[];
}

/** A snippet `(name) { ... }`, reusable with `import name`. */
export interface SnippetInfo {
  /** The snippet's name, without parentheses. */
  readonly name: string;

  /** 1-based line of `(name)`. */
  readonly line: number;

  /** 1-based column of `(name)`. */
  readonly column: number;

  /** The snippet's lines read as directives (empty when its content is not made of directive lines). */
  readonly directives: DirectiveInfo[];
}

/** An `import` written at the top level, outside any server block. */
export interface ImportInfo {
  /** The imported file, glob or snippet name. */
  readonly pattern: string;

  /** 1-based line of `import`. */
  readonly line: number;

  /** 1-based column of `import`. */
  readonly column: number;
}
