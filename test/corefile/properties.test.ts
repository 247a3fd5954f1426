import * as fc from 'fast-check';
import { Corefile, DirectiveInfo, ServerBlockInfo } from '../../src';

const RUNS = { numRuns: 1000 };

// ---------------------------------------------------------------------------------------------
// A generator of Corefiles with random structure and random (but valid) layout.

interface Arg { readonly raw: string; readonly value: string }
interface GenDirective { readonly name: string; readonly args: Arg[]; readonly block?: GenBlockBody }
interface GenBlockBody { readonly inline: boolean; readonly children: GenDirective[] }
interface GenServerBlock {
  readonly keys: string[];
  readonly keySeparators: string[];
  readonly braceOnNextLine: boolean;
  readonly firstOnBraceLine: boolean;
  readonly directives: GenDirective[];
}
interface Layout {
  readonly unit: string;
  readonly jitter: string[];
  readonly trailing: string[];
  readonly comments: string[];
  readonly blankLines: boolean[];
  readonly separators: string[];
}
interface GenFile {
  readonly blocks: GenServerBlock[];
  readonly braceless: boolean;
  readonly snippet: boolean;
  readonly topImport: boolean;
  readonly leadingComment: boolean;
  readonly eol: string;
  readonly bom: boolean;
  readonly finalNewline: boolean;
  readonly layout: Layout;
}

const KEYS = ['.', '.:53', '.:5353', 'dns://.:53', 'example.org', 'example.org:53', 'tls://.:853', 'https://.:443', 'in-addr.arpa:53', '{$ZONE}:53', 'cluster.local:53'];
const NAMES = ['errors', 'health', 'ready', 'kubernetes', 'prometheus', 'forward', 'cache', 'loop', 'reload', 'loadbalance', 'log', 'template', 'rewrite', 'bind', 'acl', 'any', 'whoami'];
const PLAIN_ARGS = ['.', 'cluster.local', 'in-addr.arpa', '8.8.8.8', '/etc/resolv.conf', ':9153', '30', '{$VAR}', '{%VAR%}', '(.*)\\.{1}', '{1}svc', 'a{b', 'c}d', '{}', 'x"y', 'lameduck', '5s'];
const QUOTED_ARGS: Arg[] = [
  { raw: '"a b"', value: 'a b' },
  { raw: '"{"', value: '{' },
  { raw: '"}"', value: '}' },
  { raw: '"# not a comment"', value: '# not a comment' },
  { raw: '"say \\"hi\\""', value: 'say "hi"' },
  { raw: '""', value: '' },
  { raw: '"^(?:[^.]+\\.){4,}internal\\.cloudapp\\.net\\.$"', value: '^(?:[^.]+\\.){4,}internal\\.cloudapp\\.net\\.$' },
  { raw: '"multi\nline { } # still quoted"', value: 'multi\nline { } # still quoted' },
];

const argArb: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PLAIN_ARGS).map((v) => ({ raw: v, value: v })) },
  { weight: 1, arbitrary: fc.constantFrom(...QUOTED_ARGS) },
);

const directiveArb: fc.Arbitrary<GenDirective> = fc.letrec<{ directive: GenDirective; body: GenBlockBody }>((tie) => ({
  directive: fc.record({
    name: fc.constantFrom(...NAMES),
    args: fc.array(argArb, { maxLength: 3 }),
    block: fc.option(tie('body'), { nil: undefined, freq: 3, depthSize: 'small' }),
  }),
  body: fc.boolean().chain((inline): fc.Arbitrary<GenBlockBody> => inline
    ? fc.record({
      inline: fc.constant(true),
      children: fc.tuple(fc.record({ name: fc.constantFrom(...NAMES), args: fc.array(argArb, { maxLength: 2 }) })),
    })
    : fc.record({ inline: fc.constant(false), children: fc.array(tie('directive'), { maxLength: 3, depthIdentifier: 'body' }) })),
})).directive;

const serverBlockArb: fc.Arbitrary<GenServerBlock> = fc.record({
  keys: fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }),
  keySeparators: fc.array(fc.constantFrom(' ', ', ', ',\n  ', ',\t'), { minLength: 2, maxLength: 2 }),
  braceOnNextLine: fc.boolean(),
  firstOnBraceLine: fc.constantFrom(false, false, false, true),
  directives: fc.array(directiveArb, { maxLength: 6 }),
});

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  unit: fc.constantFrom('  ', '   ', '    ', '\t', '        '),
  jitter: fc.array(fc.constantFrom('', '', '', '', ' ', '\t'), { minLength: 7, maxLength: 7 }),
  trailing: fc.array(fc.constantFrom('', '', '', ' ', '  ', '\t'), { minLength: 5, maxLength: 5 }),
  comments: fc.array(fc.constantFrom('', '', '', '', ' # note', '#tight', '   # spaced { } "'), { minLength: 5, maxLength: 5 }),
  blankLines: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  separators: fc.array(fc.constantFrom(' ', ' ', '  ', '\t'), { minLength: 3, maxLength: 3 }),
});

const fileArb: fc.Arbitrary<GenFile> = fc.record({
  blocks: fc.array(serverBlockArb, { minLength: 1, maxLength: 3 }),
  braceless: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  snippet: fc.boolean(),
  topImport: fc.boolean(),
  leadingComment: fc.boolean(),
  eol: fc.constantFrom('\n', '\n', '\r\n'),
  bom: fc.constantFrom(false, false, false, true),
  finalNewline: fc.constantFrom(true, true, false),
  layout: layoutArb,
});

/** Renders a generated file; `\n` in the output is later replaced by the file's line ending. */
function render(file: GenFile): string {
  const out: string[] = [];
  const l = file.layout;
  let counter = 0;
  const pick = <T>(values: T[]): T => values[counter++ % values.length];
  const tail = () => pick(l.comments) + pick(l.trailing);
  const indent = (depth: number) => l.unit.repeat(depth) + pick(l.jitter);
  const extra = (depth: number) => {
    if (pick(l.blankLines)) {
      out.push(pick(l.trailing));
    }
    if (pick(l.blankLines) && pick(l.blankLines)) {
      out.push(`${indent(depth)}# a comment line {`);
    }
  };
  const argText = (args: Arg[]) => args.map((a) => pick(l.separators) + a.raw).join('');

  const directive = (d: GenDirective, depth: number, prefix: string) => {
    const head = `${prefix}${d.name}${argText(d.args)}`;
    if (!d.block) {
      out.push(head + tail());
      return;
    }
    if (d.block.inline) {
      const c = d.block.children[0];
      out.push(`${head} { ${c.name}${argText(c.args)} }${tail()}`);
      return;
    }
    out.push(`${head} {${tail()}`);
    for (const child of d.block.children) {
      extra(depth + 1);
      directive(child, depth + 1, indent(depth + 1));
    }
    out.push(`${indent(depth)}}${tail()}`);
  };

  if (file.leadingComment) {
    out.push('# Corefile generated for a property test');
  }
  if (file.snippet) {
    out.push('(snip) {', `${l.unit}log`, '}');
  }
  if (file.topImport) {
    out.push('import custom/*.server');
  }
  const blocks = file.braceless ? file.blocks.slice(0, 1) : file.blocks;
  for (const block of blocks) {
    let keyLine = block.keys[0];
    block.keys.slice(1).forEach((k, i) => {
      keyLine += block.keySeparators[i] + k;
    });
    const directives = [...block.directives];
    if (file.braceless) {
      out.push(keyLine + tail());
    } else if (block.braceOnNextLine) {
      out.push(keyLine + pick(l.trailing), `{${tail()}`);
    } else if (block.firstOnBraceLine && directives.length > 0) {
      directive(directives.shift() as GenDirective, 1, `${keyLine} { `);
    } else {
      out.push(`${keyLine} {${tail()}`);
    }
    for (const d of directives) {
      extra(1);
      directive(d, 1, indent(1));
    }
    if (!file.braceless) {
      out.push(`${pick(l.jitter)}}${tail()}`);
    }
  }
  let text = out.join('\n') + (file.finalNewline ? '\n' : '');
  text = text.replace(/\n/g, file.eol);
  return (file.bom ? '\ufeff' : '') + text;
}

/** The model a generated file must parse to. */
function expectedModel(file: GenFile): unknown[] {
  const value = (a: Arg) => a.value.replace(/\n/g, file.eol);
  const directive = (d: GenDirective): unknown => ({
    name: d.name,
    args: d.args.map(value),
    hasBlock: d.block !== undefined,
    directives: d.block ? d.block.children.map(directive) : [],
  });
  const blocks = file.braceless ? file.blocks.slice(0, 1) : file.blocks;
  return blocks.map((b) => ({ keys: b.keys, hasBraces: !file.braceless, directives: b.directives.map(directive) }));
}

function actualModel(blocks: ServerBlockInfo[]): unknown[] {
  const directive = (d: DirectiveInfo): unknown => ({ name: d.name, args: d.args, hasBlock: d.hasBlock, directives: d.directives.map(directive) });
  return blocks.map((b) => ({ keys: b.keys, hasBraces: b.hasBraces, directives: b.directives.map(directive) }));
}

const HOSTS_LINE = /^[ \t]*(hosts \/etc\/edge\/tunnel-nodes \{|no_reverse|reload 300ms|fallthrough|\})\r?$/;
// Two refusals are known for generated files: no block to edit, and two blocks CoreDNS would refuse on one port.
const EXPECTED_REFUSAL = /^Corefile: (no server block serves the root zone|server block .* both serve the root zone '\.' on port \d+; CoreDNS refuses such a file)/;

/**
 * Whether `before`'s lines are, in order and unchanged, a subsequence of `after`'s lines, and every
 * other line is a hosts line. Line ends are compared without their `\r`: lines added at the end of a
 * file without a final line break come after one, which ends the former last line.
 */
function onlyAddsHostsLines(before: string, after: string): boolean {
  const a = before.split('\n').map((l) => l.replace(/\r$/, ''));
  const b = after.split('\n').map((l) => l.replace(/\r$/, ''));
  let i = 0;
  const added: string[] = [];
  for (const line of b) {
    if (i < a.length && line === a[i]) {
      i++;
    } else {
      added.push(line);
    }
  }
  return i === a.length && added.every((line) => HOSTS_LINE.test(line));
}

describe('Corefile properties (generated Corefiles)', () => {
  test('GIVEN any generated Corefile WHEN parsed THEN toString returns it byte for byte and the model matches what was generated', () => {
    fc.assert(fc.property(fileArb, (file) => {
      const text = render(file);
      const corefile = Corefile.parse(text);
      expect(corefile.toString()).toBe(text);
      expect(actualModel(corefile.serverBlocks)).toEqual(expectedModel(file));
    }), RUNS);
  });

  test('GIVEN any generated Corefile WHEN adding the tunnel hosts THEN it only adds hosts lines or refuses for a known reason', () => {
    fc.assert(fc.property(fileArb, (file) => {
      const text = render(file);
      let edit;
      try {
        edit = Corefile.parse(text).addTunnelHosts();
      } catch (e) {
        expect((e as Error).message).toMatch(EXPECTED_REFUSAL);
        return;
      }
      const after = edit.corefile.toString();
      expect(onlyAddsHostsLines(text, after)).toBe(true);
      expect(after.split('\n').length - text.split('\n').length).toBe(5 * edit.editedBlocks.length);
      expect(edit.changed).toBe(edit.editedBlocks.length > 0);
    }), RUNS);
  });

  test('GIVEN any generated Corefile WHEN adding the tunnel hosts twice THEN the second edit changes nothing', () => {
    fc.assert(fc.property(fileArb, (file) => {
      const text = render(file);
      let once;
      try {
        once = Corefile.parse(text).addTunnelHosts().corefile;
      } catch {
        return;
      }
      const twice = once.addTunnelHosts();
      expect(twice.changed).toBe(false);
      expect(twice.corefile.toString()).toBe(once.toString());
    }), RUNS);
  });

  test('GIVEN any generated Corefile WHEN adding then removing the tunnel hosts THEN the input comes back byte for byte', () => {
    fc.assert(fc.property(fileArb, (file) => {
      const text = render(file);
      let added;
      try {
        added = Corefile.parse(text).addTunnelHosts().corefile;
      } catch {
        return;
      }
      const removed = added.removeTunnelHosts();
      expect(removed.corefile.toString()).toBe(text);
      expect(Corefile.parse(text).removeTunnelHosts().changed).toBe(false);
    }), RUNS);
  });

  test('GIVEN any generated Corefile with a TTL and fallthrough zones WHEN adding, re-adding and removing THEN the edit is idempotent and reversible', () => {
    const options = { ttlSeconds: 60, fallthroughZones: ['.', 'cluster.local'], reloadInterval: '2s' };
    fc.assert(fc.property(fileArb, (file) => {
      const text = render(file);
      let added;
      try {
        added = Corefile.parse(text).addTunnelHosts(options).corefile;
      } catch {
        return;
      }
      expect(added.addTunnelHosts(options).changed).toBe(false);
      expect(added.removeTunnelHosts(options).corefile.toString()).toBe(text);
    }), RUNS);
  });
});

describe('Corefile properties (arbitrary text)', () => {
  const chunk = fc.constantFrom('.:53', ' ', '  ', '\t', '\n', '\r\n', '{', '}', ' {', '}\n', '#', '"', '\\"', 'errors', 'kubernetes', 'import', 'a,', ',', '(s)', '{$X}', 'x');
  const textArb = fc.array(chunk, { maxLength: 40 }).map((parts) => parts.join(''));

  test('GIVEN arbitrary Corefile-like text WHEN parsed THEN it round-trips or throws an error with a line and column', () => {
    fc.assert(fc.property(textArb, (text) => {
      let corefile;
      try {
        corefile = Corefile.parse(text);
      } catch (e) {
        expect((e as Error).message).toMatch(/^Corefile: line \d+:\d+: /);
        return;
      }
      expect(corefile.toString()).toBe(text);
    }), RUNS);
  });

  test('GIVEN arbitrary parseable text WHEN adding and removing the tunnel hosts THEN it is reversible or refused with a Corefile error', () => {
    fc.assert(fc.property(textArb, (text) => {
      let corefile;
      try {
        corefile = Corefile.parse(text);
      } catch {
        return;
      }
      let added;
      try {
        added = corefile.addTunnelHosts().corefile;
      } catch (e) {
        expect((e as Error).message).toMatch(/^Corefile: /);
        return;
      }
      expect(onlyAddsHostsLines(text, added.toString())).toBe(true);
      expect(added.removeTunnelHosts().corefile.toString()).toBe(text);
    }), RUNS);
  });
});
