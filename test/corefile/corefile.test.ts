import { CASES_DIR, COLLECTED_DIR, corefileNames, readCorefile, DISTRIBUTIONS_DIR } from './fixtures';
import { Corefile } from '../../src/corefile';

describe('Corefile.parse round trip', () => {
  test.each(corefileNames(DISTRIBUTIONS_DIR))('GIVEN the %s distribution Corefile WHEN parsed THEN toString returns it byte for byte', (name) => {
    const text = readCorefile(DISTRIBUTIONS_DIR, name);
    expect(Corefile.parse(text).toString()).toBe(text);
  });

  test.each(corefileNames(COLLECTED_DIR))('GIVEN the collected %s Corefile WHEN parsed THEN toString returns it byte for byte', (name) => {
    const text = readCorefile(COLLECTED_DIR, name);
    expect(Corefile.parse(text).toString()).toBe(text);
  });

  test.each(corefileNames(CASES_DIR))('GIVEN the crafted %s Corefile WHEN parsed THEN toString returns it byte for byte', (name) => {
    const text = readCorefile(CASES_DIR, name);
    expect(Corefile.parse(text).toString()).toBe(text);
  });

  test.each([
    ['CRLF line endings', readCorefile(DISTRIBUTIONS_DIR, 'kubeadm').replace(/\n/g, '\r\n')],
    ['a UTF-8 byte order mark', '\ufeff' + readCorefile(DISTRIBUTIONS_DIR, 'kubeadm')],
    ['a BOM and CRLF without a final newline', '\ufeff.:53 {\r\n    errors\r\n}'],
    ['mixed CRLF and LF', '.:53 {\r\n    errors\n    whoami\r\n}\n'],
    ['no trailing newline', '.:53 {\n    errors\n}'],
    ['only comments and blank lines', '# nothing here\n\n   # still nothing\n'],
    ['an empty text', ''],
    ['a single key line', '.:53'],
    ['a comment in the middle of a token', '.:53 {\n    forward . 8.8.8.8#dns.google\n}\n'],
    ['braces inside tokens', '.:53 {\n    rewrite name regex (.*)\\.{1} {$SUFFIX}{%X%}\n}\n'],
    ['a closing brace followed by another block on the same line', 'a.org {\n    whoami\n} b.org {\n    whoami\n}\n'],
    ['an empty block on one line', '. { }\n'],
    ['a lone carriage return inside a token', '.:53 {\n    who\rami\n}\n'],
    ['unicode spaces and letters', '.:53\u00a0{\n\u3000errors\n    template IN A \u00e9xample.org\n}\n'],
    ['an unterminated quote at the very end', '.:53 {\n}\nfoo "'],
  ])('GIVEN a Corefile with %s WHEN parsed THEN toString returns it byte for byte', (_label, text) => {
    expect(Corefile.parse(text).toString()).toBe(text);
  });
});

describe('Corefile model', () => {
  test('GIVEN the kubeadm Corefile WHEN reading serverBlocks THEN the block keys, line and directives are exposed', () => {
    const blocks = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'kubeadm')).serverBlocks;
    expect(blocks).toHaveLength(1);
    expect(blocks[0].keys).toEqual(['.:53']);
    expect(blocks[0].line).toBe(1);
    expect(blocks[0].hasBraces).toBe(true);
    expect(blocks[0].directives.map((d) => d.name)).toEqual([
      'errors', 'health', 'ready', 'kubernetes', 'prometheus', 'forward', 'cache', 'loop', 'reload', 'loadbalance',
    ]);
  });

  test('GIVEN the kubeadm Corefile WHEN reading the kubernetes directive THEN its args, position and nested lines are exposed', () => {
    const kube = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'kubeadm')).serverBlocks[0].directives[3];
    expect(kube).toEqual({
      name: 'kubernetes',
      args: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
      line: 7,
      column: 5,
      hasBlock: true,
      directives: [
        { name: 'pods', args: ['insecure'], line: 8, column: 8, hasBlock: false, directives: [] },
        { name: 'fallthrough', args: ['in-addr.arpa', 'ip6.arpa'], line: 9, column: 8, hasBlock: false, directives: [] },
        { name: 'ttl', args: ['30'], line: 10, column: 8, hasBlock: false, directives: [] },
      ],
    });
  });

  test('GIVEN the AKS Corefile WHEN reading the template match THEN the quoted regex is one argument without quotes', () => {
    const aks = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'aks'));
    const template = aks.serverBlocks[0].directives.find((d) => d.name === 'template');
    expect(template?.directives[0]).toMatchObject({ name: 'match', args: ['^(?:[^.]+\\.){4,}internal\\.cloudapp\\.net\\.$'] });
  });

  test('GIVEN the AKS Corefile WHEN reading imports THEN the top-level import is listed and the block import is a directive', () => {
    const aks = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'aks'));
    expect(aks.imports).toEqual([{ pattern: 'custom/*.server', line: 28, column: 1 }]);
    expect(aks.serverBlocks[0].directives.find((d) => d.name === 'import')?.args).toEqual(['custom/*.override']);
  });

  test('GIVEN the OpenShift Corefile WHEN reading serverBlocks THEN both blocks are listed in order', () => {
    const blocks = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'openshift')).serverBlocks;
    expect(blocks.map((b) => b.keys)).toEqual([['.:5353'], ['hostname.bind:5353']]);
    expect(blocks[1].line).toBe(24);
  });

  test('GIVEN keys separated by commas across lines WHEN parsed THEN every key is listed without its comma', () => {
    const blocks = Corefile.parse(readCorefile(CASES_DIR, 'comma-keys-multiline')).serverBlocks;
    expect(blocks[0].keys).toEqual(['example.org:53', '.:53', 'dns://.:5300']);
  });

  test('GIVEN keys separated by a comma and a space WHEN parsed THEN both keys are listed', () => {
    expect(Corefile.parse('a.org, b.org {\n}\n').serverBlocks[0].keys).toEqual(['a.org', 'b.org']);
  });

  test('GIVEN snippets WHEN reading snippets THEN names, lines and their directives are listed', () => {
    const snippets = Corefile.parse(readCorefile(CASES_DIR, 'snippets')).snippets;
    expect(snippets.map((s) => [s.name, s.line])).toEqual([['common', 1], ['upstream', 7]]);
    expect(snippets[0].directives.map((d) => d.name)).toEqual(['errors', 'log']);
  });

  test('GIVEN a snippet holding a whole server block with its brace on the next line WHEN parsed THEN it is kept with no directives', () => {
    const corefile = Corefile.parse('(zone) {\n    example.org\n    {\n        whoami\n    }\n}\nimport zone\n');
    expect(corefile.snippets).toEqual([{ name: 'zone', line: 1, column: 1, directives: [] }]);
  });

  test('GIVEN a server block whose brace is on the next line WHEN parsed THEN it has braces and its directives', () => {
    const block = Corefile.parse(readCorefile(CASES_DIR, 'server-brace-next-line')).serverBlocks[0];
    expect(block.hasBraces).toBe(true);
    expect(block.directives.map((d) => d.name)).toEqual(['errors', 'kubernetes', 'forward']);
  });

  test('GIVEN a single block without braces WHEN parsed THEN the whole file is that block', () => {
    const blocks = Corefile.parse(readCorefile(CASES_DIR, 'braceless')).serverBlocks;
    expect(blocks).toHaveLength(1);
    expect(blocks[0].hasBraces).toBe(false);
    expect(blocks[0].directives.map((d) => d.name)).toEqual(['errors', 'kubernetes', 'forward']);
  });

  test('GIVEN a Corefile that is only a key WHEN parsed THEN it is one braceless block without directives', () => {
    expect(Corefile.parse('.:53\n').serverBlocks).toEqual([{ keys: ['.:53'], line: 1, column: 1, hasBraces: false, directives: [] }]);
  });

  test('GIVEN a comment in the middle of a token WHEN parsed THEN the token ends where the comment starts', () => {
    const forward = Corefile.parse('.:53 {\n    forward . 8.8.8.8#dns.google\n}\n').serverBlocks[0].directives[0];
    expect(forward.args).toEqual(['.', '8.8.8.8']);
  });

  test('GIVEN a comment right after an opening brace WHEN parsed THEN the brace still opens the block', () => {
    const block = Corefile.parse('.:53 {#main\n    health {#h\n        lameduck 5s\n    }\n}\n').serverBlocks[0];
    expect(block.directives[0]).toMatchObject({ name: 'health', hasBlock: true, directives: [{ name: 'lameduck', args: ['5s'] }] });
  });

  test('GIVEN words after a space behind a # glued to a brace WHEN parsed THEN they are a directive, as CoreDNS reads them', () => {
    const block = Corefile.parse('.:53 {# main server\n    errors\n}\n').serverBlocks[0];
    expect(block.directives.map((d) => [d.name, ...d.args])).toEqual([['main', 'server'], ['errors']]);
  });

  test('GIVEN placeholders with braces WHEN parsed THEN they are text, not blocks', () => {
    const directive = Corefile.parse('.:53 {\n    rewrite name regex (.*)\\.{1} {$SUFFIX}{%X%}\n}\n').serverBlocks[0].directives[0];
    expect(directive).toMatchObject({ args: ['name', 'regex', '(.*)\\.{1}', '{$SUFFIX}{%X%}'], hasBlock: false });
  });

  test('GIVEN an environment placeholder in a key WHEN parsed THEN the key is kept as written', () => {
    expect(Corefile.parse(readCorefile(CASES_DIR, 'env-placeholders')).serverBlocks.map((b) => b.keys[0])).toEqual(['{$ZONE}:53', '.:{$DNS_PORT}', '.:53']);
  });

  test('GIVEN a quoted string spanning lines with braces and # inside WHEN parsed THEN it is one argument', () => {
    const template = Corefile.parse(readCorefile(CASES_DIR, 'quoted-strings')).serverBlocks[0].directives[0];
    expect(template.directives[0].args).toEqual(['example.org. 60 IN TXT "a { b"\n } still # inside the quotes']);
  });

  test('GIVEN a backslash before another character in quotes WHEN parsed THEN the backslash is kept', () => {
    const log = Corefile.parse('.:53 {\n    log . "a\\tb \\"c\\""\n}\n').serverBlocks[0].directives[0];
    expect(log.args).toEqual(['.', 'a\\tb "c"']);
  });

  test('GIVEN a quoted brace WHEN parsed THEN it is an argument, not a block', () => {
    const directive = Corefile.parse('.:53 {\n    answer "{" "}"\n}\n').serverBlocks[0].directives[0];
    expect(directive).toMatchObject({ args: ['{', '}'], hasBlock: false });
  });

  test('GIVEN a one-line plugin block WHEN parsed THEN its options are nested directives', () => {
    const health = Corefile.parse('.:53 {\n    health { lameduck 5s }\n}\n').serverBlocks[0].directives[0];
    expect(health).toMatchObject({ name: 'health', args: [], directives: [{ name: 'lameduck', args: ['5s'] }] });
  });

  test('GIVEN CRLF line endings WHEN parsed THEN no token contains a carriage return', () => {
    const kube = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'kubeadm').replace(/\n/g, '\r\n')).serverBlocks[0].directives[3];
    expect(kube.args).toEqual(['cluster.local', 'in-addr.arpa', 'ip6.arpa']);
    expect(kube.directives[0].args).toEqual(['insecure']);
  });

  test('GIVEN a byte order mark WHEN parsed THEN the first key has no BOM and starts at column 1', () => {
    const block = Corefile.parse('\ufeff.:53 {\n}\n').serverBlocks[0];
    expect(block.keys).toEqual(['.:53']);
    expect(block.column).toBe(1);
  });

  test('GIVEN a tab-indented Corefile WHEN parsed THEN columns count the tab as one character', () => {
    expect(Corefile.parse(readCorefile(CASES_DIR, 'tabs')).serverBlocks[0].directives[0].column).toBe(2);
  });

  test('GIVEN imports at every level WHEN parsed THEN each is kept where it is written', () => {
    const corefile = Corefile.parse(readCorefile(CASES_DIR, 'imports-all-levels'));
    expect(corefile.imports.map((i) => i.pattern)).toEqual(['/etc/coredns/global/*.server', '/etc/coredns/custom/*.server']);
    expect(corefile.snippets[0].directives[0]).toMatchObject({ name: 'import', args: ['/etc/coredns/common/*.conf'] });
    const block = corefile.serverBlocks[0];
    expect(block.directives.map((d) => `${d.name} ${d.args.join(' ')}`)).toEqual([
      'import common', 'kubernetes cluster.local', 'import /etc/coredns/custom/*.override',
    ]);
    expect(block.directives[1].directives[0]).toMatchObject({ name: 'import', args: ['/etc/coredns/k8s/*.conf'] });
  });

  test('GIVEN a parsed Corefile WHEN the returned model is mutated THEN the Corefile is not affected', () => {
    const corefile = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'kubeadm'));
    const blocks = corefile.serverBlocks;
    (blocks[0].keys as string[]).push('example.org');
    (blocks[0].directives as unknown[]).length = 0;
    expect(corefile.serverBlocks[0].keys).toEqual(['.:53']);
    expect(corefile.serverBlocks[0].directives).toHaveLength(10);
  });
});

describe('Corefile.parse errors', () => {
  test.each([
    ['a closing brace with no block', '}\n', /^Corefile: line 1:1: unexpected '}' that closes nothing/],
    ['an opening brace without an address', '{\n    errors\n}\n', /^Corefile: line 1:1: unexpected '{' without a server address.*'\.:53 \{'/],
    ['an opening brace without an address after a block', '.:53 {\n}\n{\n}\n', /^Corefile: line 3:1: unexpected '{' without a server address/],
    ['a server block that is never closed', '.:53 {\n    errors\n', /^Corefile: line 1:6: the '\{' of server block '\.:53' is never closed; add the missing '\}'/],
    ['a plugin block that is never closed', '.:53 {\n    health {\n        lameduck 5s\n', /^Corefile: line 2:12: the '\{' of 'health' is never closed/],
    ['a last brace that closes a plugin block, not the server block', '. {\n    health {\n    }', /^Corefile: line 1:3: the '\{' of server block '\.' is never closed/],
    ['a plugin block opened on the next line', '.:53 {\n    forward . 1.1.1.1\n    {\n        max_concurrent 10\n    }\n}\n',
      /^Corefile: line 3:5: '\{' on its own line; a block must be opened on the same line as the plugin .* of 'forward' \(line 2:5\)/],
    ['a nested option block opened on the next line', '.:53 {\n    kubernetes {\n        pods\n        {\n        }\n    }\n}\n', /^Corefile: line 4:9: '\{' on its own line/],
    ['a server block brace right after the opening brace', '.:53 {\n    {\n    }\n}\n', /^Corefile: line 2:5: '\{' on its own line/],
    ['a closing brace at the end of a directive line', '.:53 {\n    errors }\n', /^Corefile: line 2:12: unexpected '\}' after 'errors' \(line 2:5\); the '\}' that closes a server block must start its own line/],
    ['a closing brace after a one-line block', '.:53 {\n    health { lameduck 5s } }\n', /^Corefile: line 2:28: unexpected '\}' after 'health'/],
    ['a stray closing brace after a braceless block', '.:53\nerrors\n}\n', /^Corefile: line 3:1: unexpected '\}' that closes nothing/],
    ['a closing brace in the address list', '.:53 }\n', /^Corefile: line 1:6: unexpected '\}' in the server address list \(after '\.:53'\)/],
    ['a trailing comma before the brace', 'example.org, {\n}\n', /^Corefile: line 1:14: expected another server address after ',' but found '\{'; remove the trailing comma from 'example\.org,'/],
    ['a trailing comma at the end of the file', 'a.org,\n  b.org,\n', /^Corefile: line 2:3: the server address list ends with ',' at the end of the file/],
    ['a snippet without a brace', '(common)\nerrors\n', /^Corefile: line 2:1: snippet '\(common\)' \(line 1:1\) must be followed by '\{'; found 'errors'/],
    ['a snippet that is never closed', '(common) {\n    errors {\n}\n', /^Corefile: line 1:10: the '\{' of snippet '\(common\)' is never closed/],
    ['a snippet declared twice', '(a) {\n}\n(a) {\n}\n', /^Corefile: line 3:1: snippet '\(a\)' is declared twice \(first at line 1:1\)/],
    ['an import without an argument in a block', '.:53 {\n    import\n}\n', /^Corefile: line 2:5: 'import' needs exactly one argument/],
    ['an import with two arguments in a block', '.:53 {\n    import a.conf b.conf\n}\n', /^Corefile: line 2:19: 'import' takes exactly one argument .* found the extra 'b\.conf'/],
    ['an import with an empty argument', '.:53 {\n    import ""\n}\n', /^Corefile: line 2:12: 'import' needs a non-empty file/],
    ['a top-level import without an argument', 'import\n.:53 {\n}\n', /^Corefile: line 1:1: 'import' needs exactly one argument/],
    ['a top-level import followed by a brace', 'import common {\n}\n', /^Corefile: line 1:15: 'import' takes exactly one argument .* found the extra '\{'/],
    ['an import inside a plugin block with two arguments', '.:53 {\n    kubernetes {\n        import a b\n    }\n}\n', /^Corefile: line 3:18: 'import' takes exactly one argument/],
    ['a quoted string that is never closed', '.:53 {\n    log . "{remote}\n}\n',
      /^Corefile: line 1:6: the '\{' of server block '\.:53' is never closed.*\(note: the quoted string that starts at line 2:11 is never closed/],
    ['a block on one line with a directive', '.:53 { whoami }\n', /^Corefile: line 1:15: unexpected '\}' after 'whoami' \(line 1:8\)/],
  ])('GIVEN %s WHEN parsed THEN it throws with the line and column', (_label, text, message) => {
    expect(() => Corefile.parse(text)).toThrow(message);
  });

  test('GIVEN a malformed Corefile with a BOM and CRLF WHEN parsed THEN the reported column ignores the BOM', () => {
    expect(() => Corefile.parse('\ufeff}\r\n')).toThrow(/^Corefile: line 1:1: unexpected '\}'/);
  });
});

describe('Corefile.kubeadmDefault', () => {
  test('GIVEN no options WHEN building the kubeadm default THEN it equals the kubeadm distribution Corefile byte for byte', () => {
    expect(Corefile.kubeadmDefault().toString()).toBe(readCorefile(DISTRIBUTIONS_DIR, 'kubeadm'));
  });

  test('GIVEN a custom cluster domain WHEN building the kubeadm default THEN the kubernetes and cache lines use it', () => {
    const text = Corefile.kubeadmDefault({ clusterDomain: 'edge.example' }).toString();
    expect(text).toBe(readCorefile(DISTRIBUTIONS_DIR, 'kubeadm').replace(/cluster\.local/g, 'edge.example'));
    expect(text).toContain('    kubernetes edge.example in-addr.arpa ip6.arpa {\n');
    expect(text).toContain('       disable success edge.example\n       disable denial edge.example\n');
  });

  test.each(['', 'Cluster.Local', 'cluster.local.', 'cluster..local', '-cluster.local', 'cluster local', `${'a'.repeat(64)}.local`])(
    'GIVEN the invalid cluster domain %p WHEN building the kubeadm default THEN it throws',
    (domain) => {
      expect(() => Corefile.kubeadmDefault({ clusterDomain: domain })).toThrow(/^Corefile: 'clusterDomain' must be a lowercase DNS name such as 'cluster\.local'.*got '/);
    },
  );
});
