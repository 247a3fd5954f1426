import * as path from 'path';
import { CASES_DIR, EXPECTED_DIR, readCorefile, DISTRIBUTIONS_DIR, tunnelLines } from './fixtures';
import { Corefile } from '../../src/corefile';

const KUBEADM = readCorefile(DISTRIBUTIONS_DIR, 'kubeadm');
const KUBEADM_EDITED = readCorefile(EXPECTED_DIR, 'kubeadm');

/** kubeadm's Corefile with `hostsLines` inserted right before its kubernetes line. */
function kubeadmWithHosts(hostsLines: string): string {
  return KUBEADM.replace('    kubernetes ', `${hostsLines}    kubernetes `);
}

describe('addTunnelHosts placement and layout', () => {
  test.each([
    ['comments-everywhere', []],
    ['tabs', []],
    ['server-brace-next-line', []],
    ['comma-keys-multiline', []],
    ['snippets', []],
    ['quoted-strings', []],
    ['odd-layout', []],
    ['blocks-on-one-line', []],
    ['empty-root-block', []],
  ])('GIVEN the crafted %s Corefile WHEN adding the tunnel hosts THEN the result matches the hand-written expected file', (name, warnings) => {
    const edit = Corefile.parse(readCorefile(CASES_DIR, name)).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(readCorefile(path.join(EXPECTED_DIR, 'cases'), name));
    expect(edit.changed).toBe(true);
    expect(edit.warnings).toEqual(warnings);
  });

  test('GIVEN CRLF line endings WHEN adding the tunnel hosts THEN the added lines end with CRLF too', () => {
    const edit = Corefile.parse(KUBEADM.replace(/\n/g, '\r\n')).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(KUBEADM_EDITED.replace(/\n/g, '\r\n'));
  });

  test('GIVEN a byte order mark WHEN adding the tunnel hosts THEN the BOM is kept', () => {
    expect(Corefile.parse('\ufeff' + KUBEADM).addTunnelHosts().corefile.toString()).toBe('\ufeff' + KUBEADM_EDITED);
  });

  test('GIVEN no trailing newline WHEN adding the tunnel hosts THEN the file still ends without one', () => {
    expect(Corefile.parse(KUBEADM.slice(0, -1)).addTunnelHosts().corefile.toString()).toBe(KUBEADM_EDITED.slice(0, -1));
  });

  test('GIVEN a root block without kubernetes and without sub-blocks WHEN adding THEN the lines go before the closing brace with 4-space nesting', () => {
    const edit = Corefile.parse('.:53 {\n  errors\n  forward . 8.8.8.8\n}\n').addTunnelHosts();
    expect(edit.corefile.toString()).toBe(`.:53 {\n  errors\n  forward . 8.8.8.8\n${tunnelLines('  ', '    ')}}\n`);
  });

  test('GIVEN a tab-indented block without sub-blocks WHEN adding THEN nested lines use one more tab', () => {
    const edit = Corefile.parse('.:53 {\n\terrors\n}\n').addTunnelHosts();
    expect(edit.corefile.toString()).toBe(`.:53 {\n\terrors\n${tunnelLines('\t', '\t')}}\n`);
  });

  test('GIVEN an empty root block and no other block WHEN adding THEN the lines are indented by 4 spaces', () => {
    expect(Corefile.parse('.:53 {\n}\n').addTunnelHosts().corefile.toString()).toBe(`.:53 {\n${tunnelLines('    ', '    ')}}\n`);
  });

  test('GIVEN kubernetes on the line of the opening brace WHEN adding THEN the lines go before the closing brace with a warning', () => {
    const edit = Corefile.parse(readCorefile(CASES_DIR, 'kubernetes-on-brace-line')).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(readCorefile(path.join(EXPECTED_DIR, 'cases'), 'kubernetes-on-brace-line'));
    expect(edit.warnings).toEqual([expect.stringMatching(/^server block '\.:53' \(line 1:1\): 'kubernetes' at line 1:8 does not start its own line, so the hosts lines were added before the block's closing '\}'/)]);
  });

  test('GIVEN several root blocks over plain DNS and TLS WHEN adding THEN only the plain DNS ones are edited', () => {
    const edit = Corefile.parse(readCorefile(CASES_DIR, 'several-root-blocks')).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(readCorefile(path.join(EXPECTED_DIR, 'cases'), 'several-root-blocks'));
    expect(edit.editedBlocks).toEqual(['.:53', '.:5353 dns://.:1053']);
  });

  test('GIVEN multi-line comma keys WHEN adding THEN editedBlocks names the block by all its keys', () => {
    expect(Corefile.parse(readCorefile(CASES_DIR, 'comma-keys-multiline')).addTunnelHosts().editedBlocks).toEqual(['example.org:53 .:53 dns://.:5300']);
  });

  test('GIVEN keys with environment placeholders WHEN adding THEN the root block is edited and the placeholder blocks are reported', () => {
    const edit = Corefile.parse(readCorefile(CASES_DIR, 'env-placeholders')).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(readCorefile(path.join(EXPECTED_DIR, 'cases'), 'env-placeholders'));
    expect(edit.warnings).toEqual([
      expect.stringMatching(/^server block '\{\$ZONE\}:53' \(line 1:1\) uses an environment placeholder in its keys/),
      expect.stringMatching(/^server block '\.:\{\$DNS_PORT\}' \(line 4:1\) uses an environment placeholder/),
    ]);
  });

  test('GIVEN imports at every level WHEN adding THEN the block is edited and each unchecked file import is a warning', () => {
    const edit = Corefile.parse(readCorefile(CASES_DIR, 'imports-all-levels')).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(readCorefile(path.join(EXPECTED_DIR, 'cases'), 'imports-all-levels'));
    expect(edit.warnings).toEqual([
      expect.stringMatching(/'import \/etc\/coredns\/common\/\*\.conf' at line 3:5 in snippet '\(common\)', imported by 'import common' at line 7:5 .*its contents were not checked: pass them in 'importedFiles'/),
      expect.stringMatching(/^server block '\.:53' \(line 6:1\): 'import \/etc\/coredns\/custom\/\*\.override' at line 12:5 may add plugins/),
    ]);
  });

  test('GIVEN an imported file whose content is given WHEN adding THEN it is checked and no warning remains', () => {
    const edit = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'aks')).addTunnelHosts({ importedFiles: { 'custom/*.override': 'log\nrewrite name foo bar\n' } });
    expect(edit.corefile.toString()).toBe(readCorefile(EXPECTED_DIR, 'aks'));
    expect(edit.warnings).toEqual([]);
  });

  test('GIVEN an imported file given by a path a ?-glob matches WHEN adding THEN it is checked', () => {
    const text = '.:53 {\n    import conf/db?.conf\n}\n';
    expect(() => Corefile.parse(text).addTunnelHosts({ importedFiles: { 'conf/db1.conf': 'hosts /etc/x\n' } })).toThrow(/already has 'hosts \/etc\/x'/);
    expect(Corefile.parse(text).addTunnelHosts({ importedFiles: { 'conf/db10.conf': 'hosts /etc/x\n' } }).warnings).toHaveLength(1);
  });

  test('GIVEN an imported file given by a path the glob matches WHEN adding THEN it is checked', () => {
    const edit = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'aks')).addTunnelHosts({ importedFiles: { 'custom/extra.override': 'log\n' } });
    expect(edit.warnings).toEqual([]);
  });

  test('GIVEN a ttl and fallthrough zones WHEN adding THEN ttl and the zones are written in the seed shape', () => {
    const edit = Corefile.parse(KUBEADM).addTunnelHosts({ ttlSeconds: 30, fallthroughZones: ['.', 'in-addr.arpa'], reloadInterval: '1s' });
    expect(edit.corefile.toString()).toBe(kubeadmWithHosts([
      '    hosts /etc/edge/tunnel-nodes {',
      '       ttl 30',
      '       no_reverse',
      '       reload 1s',
      '       fallthrough . in-addr.arpa',
      '    }',
      '',
    ].join('\n')));
  });

  test('GIVEN another hosts file and reload 0 WHEN adding THEN they are written as given, with a warning that the file is read once', () => {
    const edit = Corefile.parse(KUBEADM).addTunnelHosts({ hostsFile: '/etc/raven/hosts', reloadInterval: '0' });
    expect(edit.corefile.toString()).toBe(kubeadmWithHosts('    hosts /etc/raven/hosts {\n       no_reverse\n       reload 0\n       fallthrough\n    }\n'));
    expect(edit.warnings).toEqual([expect.stringMatching(/^'reloadInterval' is '0': CoreDNS reads \/etc\/raven\/hosts once, at start, and never again, .*none does if CoreDNS started before the tunnel-nodes ConfigMap existed/)]);
  });

  test('GIVEN reverse lookups WHEN adding THEN the block has no no_reverse, as the manual recipe writes it', () => {
    expect(Corefile.parse(KUBEADM).addTunnelHosts({ reverseLookups: true }).corefile.toString())
      .toBe(kubeadmWithHosts('    hosts /etc/edge/tunnel-nodes {\n       reload 300ms\n       fallthrough\n    }\n'));
  });

  test('GIVEN an edit WHEN reading the new Corefile model THEN hosts is a directive of the block before kubernetes', () => {
    const names = Corefile.parse(KUBEADM).addTunnelHosts().corefile.serverBlocks[0].directives.map((d) => d.name);
    expect(names.slice(2, 5)).toEqual(['ready', 'hosts', 'kubernetes']);
  });

  test('GIVEN a Corefile WHEN adding the tunnel hosts THEN the original instance is unchanged', () => {
    const corefile = Corefile.parse(KUBEADM);
    corefile.addTunnelHosts();
    expect(corefile.toString()).toBe(KUBEADM);
  });
});

describe('addTunnelHosts idempotence', () => {
  test('GIVEN an edited Corefile WHEN adding again with the same options THEN nothing changes', () => {
    const once = Corefile.parse(KUBEADM).addTunnelHosts().corefile;
    const twice = once.addTunnelHosts();
    expect(twice.changed).toBe(false);
    expect(twice.editedBlocks).toEqual([]);
    expect(twice.corefile.toString()).toBe(once.toString());
  });

  test.each([
    ['reload written as 0.3s', '    hosts /etc/edge/tunnel-nodes {\n        reload 0.3s\n        fallthrough\n    }\n', {}],
    ['ttl 3600 written explicitly', '    hosts /etc/edge/tunnel-nodes {\n        ttl 3600\n        reload 300ms\n        fallthrough\n    }\n', {}],
    ['fallthrough zones in another order and case', '    hosts /etc/edge/tunnel-nodes {\n        reload 300ms\n        fallthrough IN-ADDR.ARPA. .\n    }\n',
      { fallthroughZones: ['.', 'in-addr.arpa'] }],
    ['a one-line block', '    hosts /etc/edge/tunnel-nodes { fallthrough }\n', { reloadInterval: '5s' }],
    ['fallthrough for the root zone', '    hosts /etc/edge/tunnel-nodes {\n        reload 300ms\n        fallthrough .\n    }\n', {}],
    ['the default reload of 5s', '    hosts /etc/edge/tunnel-nodes {\n        fallthrough\n    }\n', { reloadInterval: '5s' }],
  ])('GIVEN an equivalent tunnel hosts with %s WHEN adding THEN nothing changes', (_label, lines, options) => {
    const text = kubeadmWithHosts(lines);
    const edit = Corefile.parse(text).addTunnelHosts(options);
    expect(edit.changed).toBe(false);
    expect(edit.corefile.toString()).toBe(text);
  });

  test('GIVEN the tunnel hosts provided by a snippet WHEN adding THEN nothing changes', () => {
    const text = '(tunnel) {\n    hosts /etc/edge/tunnel-nodes {\n        reload 300ms\n        fallthrough\n    }\n}\n.:53 {\n    import tunnel\n    forward . 8.8.8.8\n}\n';
    expect(Corefile.parse(text).addTunnelHosts().changed).toBe(false);
  });

  test('GIVEN the OpenYurt raven-proxy-dns Corefile WHEN adding THEN nothing changes and a warning says its block answers reverse lookups', () => {
    const edit = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'openyurt-raven-proxy-dns')).addTunnelHosts();
    expect(edit).toMatchObject({ changed: false, editedBlocks: [] });
    expect(edit.warnings).toEqual([expect.stringMatching(/^server block '\.:53' \(line 1:1\): 'hosts \/etc\/edge\/tunnel-nodes' at line 7:5 has no 'no_reverse', so a reverse lookup of the proxy address returns every node name .*kept as it is/)]);
  });

  test('GIVEN the OpenYurt raven-proxy-dns Corefile and reverse lookups WHEN adding THEN nothing changes and nothing is reported', () => {
    const edit = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'openyurt-raven-proxy-dns')).addTunnelHosts({ reverseLookups: true });
    expect(edit).toMatchObject({ changed: false, editedBlocks: [], warnings: [] });
  });

  test('GIVEN a block with no_reverse WHEN adding with default options THEN nothing changes and nothing is reported', () => {
    const text = kubeadmWithHosts('    hosts /etc/edge/tunnel-nodes {\n        no_reverse\n        reload 300ms\n        fallthrough\n    }\n');
    expect(Corefile.parse(text).addTunnelHosts()).toMatchObject({ changed: false, warnings: [] });
  });
});

describe('addTunnelHosts refusals', () => {
  test('GIVEN only non-root zones WHEN adding THEN it throws naming the blocks found', () => {
    expect(() => Corefile.parse('example.org {\n    whoami\n}\ncluster.local:53 {\n    kubernetes\n}\n').addTunnelHosts())
      .toThrow(/^Corefile: no server block serves the root zone '\.' over plain DNS \(found 'example\.org' at line 1:1, 'cluster\.local:53' at line 4:1\)\..*usually '\.:53'.*RavenProxyDns/);
  });

  test('GIVEN the root zone only over TLS WHEN adding THEN it throws', () => {
    expect(() => Corefile.parse('tls://.:853 {\n    forward . 8.8.8.8\n}\n').addTunnelHosts()).toThrow(/^Corefile: no server block serves the root zone '\.' over plain DNS \(found 'tls:\/\/\.:853'/);
  });

  test.each(['https://.:443', 'grpc://.:443', 'quic://.:853', 'https3://.:443'])('GIVEN the root zone only over %s WHEN adding THEN it throws', (key) => {
    expect(() => Corefile.parse(`${key} {\n    whoami\n}\n`).addTunnelHosts()).toThrow(/no server block serves the root zone/);
  });

  test('GIVEN an empty Corefile WHEN adding THEN it throws saying there are no server blocks', () => {
    expect(() => Corefile.parse('').addTunnelHosts()).toThrow(/^Corefile: no server block serves the root zone '\.' over plain DNS \(the Corefile has no server blocks\)/);
  });

  test('GIVEN only a top-level import and a non-root block WHEN adding THEN the message says imported blocks are not edited', () => {
    expect(() => Corefile.parse('import custom/*.server\nexample.org {\n}\n').addTunnelHosts()).toThrow(/server blocks that come from top-level imports are not edited/);
  });

  test('GIVEN a root block without braces WHEN adding THEN the lines go before kubernetes, as CoreDNS reads a plugin block there too', () => {
    const edit = Corefile.parse(readCorefile(CASES_DIR, 'braceless')).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(readCorefile(path.join(EXPECTED_DIR, 'cases'), 'braceless'));
    expect(edit.editedBlocks).toEqual(['.:53']);
    expect(edit.corefile.removeTunnelHosts().corefile.toString()).toBe(readCorefile(CASES_DIR, 'braceless'));
  });

  test('GIVEN a braceless root block without kubernetes WHEN adding THEN the lines go at the end of the file, unindented like its plugins', () => {
    expect(Corefile.parse('.:53\nerrors\nforward . 8.8.8.8\n').addTunnelHosts().corefile.toString())
      .toBe(`.:53\nerrors\nforward . 8.8.8.8\n${tunnelLines('', '    ')}`);
  });

  test('GIVEN a braceless root block that ends inside an open quote WHEN adding THEN it throws, since the lines would be inside the string', () => {
    for (const text of ['.:53\nerrors "', '".:53', '.:53\nerrors#x "']) {
      expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(/is written without braces and the file ends inside a quoted string that is never closed/);
    }
    expect(Corefile.parse('.:53\nerrors # "').addTunnelHosts().changed).toBe(true);
  });

  test('GIVEN a braceless root block without a final line break WHEN adding and removing THEN the file still ends without one and comes back byte for byte', () => {
    const text = '.:53\r\nerrors';
    const edit = Corefile.parse(text).addTunnelHosts();
    expect(edit.corefile.toString()).toBe(`.:53\r\nerrors\r\n${tunnelLines('', '    ', '\r\n').slice(0, -2)}`);
    expect(edit.corefile.removeTunnelHosts().corefile.toString()).toBe(text);
  });

  test('GIVEN a root block that opens and closes on one line WHEN adding THEN it throws', () => {
    expect(() => Corefile.parse(readCorefile(CASES_DIR, 'root-block-on-one-line')).addTunnelHosts())
      .toThrow(/^Corefile: server block '\.' \(line 1:1\) closes with '\}' at line 1:5 on the same line as '\{'.*Put the closing '\}' on its own line/);
  });

  test('GIVEN the k3s Corefile with its NodeHosts hosts WHEN adding THEN it throws explaining the once-per-block rule', () => {
    expect(() => Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'k3s')).addTunnelHosts()).toThrow(new RegExp(
      "^Corefile: server block '\\.:53' \\(line 1:1\\) already has 'hosts /etc/coredns/NodeHosts' at line 9:5; "
      + 'the hosts plugin can only be used once per server block: CoreDNS refuses to start and cluster DNS goes down.*RavenProxyDns.*nodeName',
    ));
  });

  test('GIVEN the minikube Corefile with inline hosts WHEN adding THEN it throws naming the inline entries', () => {
    expect(() => Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'minikube')).addTunnelHosts())
      .toThrow(/^Corefile: server block '\.:53' \(line 1:1\) already has 'hosts' with 1 inline entry at line 14:5; the hosts plugin can only be used once per server block/);
  });

  test('GIVEN a hosts hidden in an imported snippet WHEN adding THEN it throws naming the snippet and the import', () => {
    const text = '(nodehosts) {\n    hosts /etc/coredns/NodeHosts {\n        fallthrough\n    }\n}\n.:53 {\n    import nodehosts\n    forward . 8.8.8.8\n}\n';
    expect(() => Corefile.parse(text).addTunnelHosts())
      .toThrow(/already has 'hosts \/etc\/coredns\/NodeHosts' at line 2:5 in snippet '\(nodehosts\)', imported by 'import nodehosts' at line 7:5; the hosts plugin can only be used once per server block/);
  });

  test('GIVEN a hosts in a snippet imported by another snippet WHEN adding THEN it throws', () => {
    const text = '(inner) {\n    hosts {\n        10.0.0.1 a\n        fallthrough\n    }\n}\n(outer) {\n    import inner\n}\n.:53 {\n    import outer\n}\n';
    expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(/already has 'hosts' with 1 inline entry at line 2:5 in snippet '\(inner\)'/);
  });

  test('GIVEN a hosts in imported file contents WHEN adding THEN it throws naming the imported file', () => {
    expect(() => Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'aks')).addTunnelHosts({ importedFiles: { 'custom/nodes.override': 'hosts /etc/nodes {\n  fallthrough\n}\n' } }))
      .toThrow(/already has 'hosts \/etc\/nodes' at line 1:1 of importedFiles\['custom\/nodes\.override'\], imported by 'import custom\/\*\.override' at line 18:5/);
  });

  test('GIVEN malformed imported file contents WHEN adding THEN it throws with the file and line', () => {
    expect(() => Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'aks')).addTunnelHosts({ importedFiles: { 'custom/*.override': 'log\n}\n' } }))
      .toThrow(/^Corefile: importedFiles\['custom\/\*\.override'\]: line 2:1: unexpected '\}' that closes nothing/);
  });

  test('GIVEN a snippet defined after its import WHEN adding THEN it is treated as a file import and reported', () => {
    const text = '.:53 {\n    import later\n}\n(later) {\n    hosts /etc/other\n}\n';
    const edit = Corefile.parse(text).addTunnelHosts();
    expect(edit.changed).toBe(true);
    expect(edit.warnings).toEqual([expect.stringMatching(/'import later' at line 2:5 may add plugins/)]);
  });

  test('GIVEN a snippet that imports itself WHEN adding THEN the expansion stops with a warning', () => {
    const text = '(loop) {\n    import loop\n}\n.:53 {\n    import loop\n}\n';
    expect(Corefile.parse(text).addTunnelHosts().warnings).toEqual([expect.stringMatching(/nested too deeply; its contents were not checked/)]);
  });

  test('GIVEN a snippet that is not made of plugin lines WHEN imported in the root block and adding THEN it is reported as not checked', () => {
    const text = '(zone) {\n    a\n    {\n    }\n}\n.:53 {\n    import zone\n}\n';
    expect(Corefile.parse(text).addTunnelHosts().warnings).toEqual([expect.stringMatching(/snippet '\(zone\)' \(line 1:1\), imported by 'import zone' at line 7:5, cannot be read as plugin lines/)]);
  });

  test.each([
    ['reload 5s', '        reload 5s\n        fallthrough\n', {}, [/reload: found '5s', wanted '300ms' \(5s vs 300ms\)/]],
    ['a ttl', '        ttl 60\n        reload 300ms\n        fallthrough\n', {}, [/ttl: found '60', wanted '3600' \(the CoreDNS default\)/]],
    ['no fallthrough', '        reload 300ms\n', {}, [/fallthrough: found none \(names missing from the file get SERVFAIL\), wanted all zones/]],
    ['other fallthrough zones', '        reload 300ms\n        fallthrough cluster.local\n', {}, [/fallthrough: found 'cluster\.local', wanted all zones/]],
    ['no_reverse and reverse lookups asked for', '        reload 300ms\n        no_reverse\n        fallthrough\n', { reverseLookups: true }, [/no_reverse: found, wanted absent \(reverseLookups: true\)/]],
    ['no no_reverse and reverse lookups refused', '        reload 300ms\n        fallthrough\n', { reverseLookups: false }, [/no_reverse: found none, wanted present \(reverseLookups: false\)/]],
    ['inline entries', '        10.0.0.1 edge-1\n        reload 300ms\n        fallthrough\n', {}, [/inline entries: found 1, wanted none/]],
    ['several differences', '        ttl 60\n        reload 15s\n', { ttlSeconds: 30 }, [/ttl: found '60', wanted '30'; /, /reload: found '15s', wanted '300ms'/, /fallthrough: found none/]],
  ])('GIVEN the same hosts file with %s WHEN adding THEN it throws listing each difference', (_label, body, options, messages) => {
    const text = kubeadmWithHosts(`    hosts /etc/edge/tunnel-nodes {\n${body}    }\n`);
    const run = () => Corefile.parse(text).addTunnelHosts(options);
    expect(run).toThrow(/^Corefile: server block '\.:53' \(line 1:1\) already has 'hosts \/etc\/edge\/tunnel-nodes' at line 7:5 with different options: /);
    for (const message of messages) {
      expect(run).toThrow(message);
    }
    expect(run).toThrow(/Pass options that match it, or remove that hosts directive/);
  });

  test('GIVEN the same hosts file with fallthrough_unsupported (CoreDNS v1.14.7+) WHEN adding THEN the option is named, not counted as an entry', () => {
    const text = kubeadmWithHosts('    hosts /etc/edge/tunnel-nodes {\n        reload 300ms\n        fallthrough\n        fallthrough_unsupported\n    }\n');
    const run = () => Corefile.parse(text).addTunnelHosts();
    expect(run).toThrow(/with different options: fallthrough_unsupported: found, wanted absent\./);
    expect(run).not.toThrow(/inline entr/);
  });

  test('GIVEN another hosts plugin without a file but with fallthrough_unsupported WHEN adding THEN it is not described as inline entries', () => {
    const text = kubeadmWithHosts('    hosts {\n        fallthrough\n        fallthrough_unsupported\n    }\n');
    expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(/already has 'hosts' \(file \/etc\/hosts\) at line 7:5/);
  });

  test('GIVEN the same hosts file with zones WHEN adding THEN it throws listing the zones', () => {
    const text = kubeadmWithHosts('    hosts /etc/edge/tunnel-nodes example.org {\n        reload 300ms\n        fallthrough\n    }\n');
    expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(/zones: found 'example\.org', wanted none \(the server block's zones\)/);
  });

  test('GIVEN a reload that is not a duration WHEN adding THEN it throws quoting it', () => {
    const text = kubeadmWithHosts('    hosts /etc/edge/tunnel-nodes {\n        reload soon\n        fallthrough\n    }\n');
    expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(/reload: found 'soon', wanted '300ms'(?! \()/);
  });

  test('GIVEN two tunnel hosts in one block WHEN adding THEN it throws', () => {
    const lines = tunnelLines('    ', '    ');
    expect(() => Corefile.parse(kubeadmWithHosts(lines + lines)).addTunnelHosts())
      .toThrow(/already has 'hosts \/etc\/edge\/tunnel-nodes' at line 12:5 \(and another at line 7:5, which CoreDNS already refuses\); the hosts plugin can only be used once/);
  });

  test('GIVEN a refusal in one of two root blocks WHEN adding THEN nothing is edited', () => {
    const text = '.:53 {\n    forward . 8.8.8.8\n}\n.:5353 {\n    hosts {\n        10.0.0.1 a\n        fallthrough\n    }\n}\n';
    expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(/server block '\.:5353' \(line 4:1\) already has 'hosts' with 1 inline entry/);
  });
});

describe('TunnelHostsOptions validation', () => {
  test.each(['/etc/edge/tunnel nodes', '', '/etc/#edge', '"/etc/edge"', '{$HOSTS}', '{', '/etc/\u00a0edge'])('GIVEN the hosts file %p WHEN adding THEN it throws', (hostsFile) => {
    expect(() => Corefile.parse(KUBEADM).addTunnelHosts({ hostsFile }))
      .toThrow(/^Corefile: 'hostsFile' must be a file path without spaces, quotes, '#', braces or environment placeholders, got '.*'; use the path where the tunnel-nodes ConfigMap is mounted/);
  });

  test.each(['5 s', '-1s', '300', 'soon', '', '1h2', '.s', '5sec', '1.5.5s', '3000000h'])('GIVEN the reload interval %p WHEN adding THEN it throws', (reloadInterval) => {
    expect(() => Corefile.parse(KUBEADM).addTunnelHosts({ reloadInterval }))
      .toThrow(/^Corefile: 'reloadInterval' must be a non-negative Go duration such as '300ms', '5s' or '1m30s' \('0' disables reloading\), got '/);
  });

  test.each([0, -1, 65536, 1.5, Number.NaN])('GIVEN the ttl %p WHEN adding THEN it throws', (ttlSeconds) => {
    expect(() => Corefile.parse(KUBEADM).addTunnelHosts({ ttlSeconds })).toThrow(/^Corefile: 'ttlSeconds' must be an integer between 1 and 65535 \(CoreDNS hosts 'ttl'\), got .*; omit it/);
  });

  test.each(['bad zone', '', 'a..b', '{$ZONE}', '-bad-.org'])('GIVEN the fallthrough zone %p WHEN adding THEN it throws', (zone) => {
    expect(() => Corefile.parse(KUBEADM).addTunnelHosts({ fallthroughZones: [zone] }))
      .toThrow(/^Corefile: 'fallthroughZones' must hold zone names such as 'cluster\.local' or 'in-addr\.arpa', got '.*'; leave it empty/);
  });

  test('GIVEN reverseLookups that is not a boolean WHEN adding THEN it throws', () => {
    expect(() => Corefile.parse(KUBEADM).addTunnelHosts({ reverseLookups: 'yes' as unknown as boolean }))
      .toThrow(/^Corefile: 'reverseLookups' must be true or false, got "yes"$/);
  });

  test.each(['.', 'cluster.local.', '10.0.0.0/8', 'fd00::/8', '_tcp.example.org'])('GIVEN the fallthrough zone %p WHEN adding THEN it is accepted', (zone) => {
    expect(Corefile.parse(KUBEADM).addTunnelHosts({ fallthroughZones: ['.', zone] }).changed).toBe(true);
  });

  test('GIVEN fallthrough zones without the root zone WHEN adding THEN it throws, since every other name would get SERVFAIL', () => {
    expect(() => Corefile.parse(KUBEADM).addTunnelHosts({ fallthroughZones: ['cluster.local'] }))
      .toThrow(/^Corefile: 'fallthroughZones' must include the root zone '.' when set, got 'cluster.local'; .*answered SERVFAIL/);
  });

  test.each(['0', '300ms', '1.5s', '1m30s', '2h', '10us', '10\u00b5s', '+5s', '.5s', '1.s'])('GIVEN the Go duration %p WHEN adding THEN it is accepted', (reloadInterval) => {
    expect(Corefile.parse(KUBEADM).addTunnelHosts({ reloadInterval }).changed).toBe(true);
  });

  test('GIVEN invalid options WHEN removing THEN they are rejected too', () => {
    expect(() => Corefile.parse(KUBEADM).removeTunnelHosts({ reloadInterval: 'soon' })).toThrow(/'reloadInterval' must be a non-negative Go duration/);
  });
});

describe('removeTunnelHosts', () => {
  test('GIVEN an edited kubeadm Corefile WHEN removing THEN the original text comes back', () => {
    const edit = Corefile.parse(KUBEADM_EDITED).removeTunnelHosts();
    expect(edit.corefile.toString()).toBe(KUBEADM);
    expect(edit).toMatchObject({ changed: true, editedBlocks: ['.:53'], warnings: [] });
  });

  test('GIVEN the OpenYurt raven-proxy-dns Corefile WHEN removing THEN its hosts lines are removed and nothing else', () => {
    const text = readCorefile(DISTRIBUTIONS_DIR, 'openyurt-raven-proxy-dns');
    const expected = text.replace('    hosts /etc/edge/tunnel-nodes {\n        reload 300ms\n        fallthrough\n    }\n', '');
    expect(Corefile.parse(text).removeTunnelHosts().corefile.toString()).toBe(expected);
  });

  test('GIVEN a Corefile without the tunnel hosts WHEN removing THEN nothing changes', () => {
    const edit = Corefile.parse(KUBEADM).removeTunnelHosts();
    expect(edit).toMatchObject({ changed: false, editedBlocks: [], warnings: [] });
    expect(edit.corefile.toString()).toBe(KUBEADM);
  });

  test('GIVEN the k3s Corefile WHEN removing THEN its NodeHosts hosts is left alone', () => {
    expect(Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'k3s')).removeTunnelHosts().changed).toBe(false);
  });

  test('GIVEN a Corefile without a root block WHEN removing THEN nothing changes and a warning says so', () => {
    const edit = Corefile.parse('example.org {\n}\n').removeTunnelHosts();
    expect(edit.changed).toBe(false);
    expect(edit.warnings).toEqual(["no server block serves the root zone '.' over plain DNS; there is nothing to remove"]);
  });

  test('GIVEN a tunnel hosts with a trailing comment and a one-line block WHEN removing THEN its whole lines go', () => {
    const text = '.:53 {\n    errors\n    hosts /etc/edge/tunnel-nodes { reload 300ms } # tunnel\n    forward . 8.8.8.8\n}\n';
    expect(Corefile.parse(text).removeTunnelHosts().corefile.toString()).toBe('.:53 {\n    errors\n    forward . 8.8.8.8\n}\n');
  });

  test('GIVEN a braceless root block ending with the tunnel hosts and no newline WHEN removing THEN the preceding line break goes too', () => {
    const text = '.:53\nerrors\nhosts /etc/edge/tunnel-nodes';
    expect(Corefile.parse(text).removeTunnelHosts().corefile.toString()).toBe('.:53\nerrors');
  });

  test('GIVEN CRLF line endings WHEN removing THEN the CRLF-terminated lines are removed', () => {
    expect(Corefile.parse(KUBEADM_EDITED.replace(/\n/g, '\r\n')).removeTunnelHosts().corefile.toString()).toBe(KUBEADM.replace(/\n/g, '\r\n'));
  });

  test('GIVEN another hosts file option WHEN removing THEN only that file\'s hosts is removed', () => {
    const text = readCorefile(DISTRIBUTIONS_DIR, 'k3s');
    const edit = Corefile.parse(text).removeTunnelHosts({ hostsFile: '/etc/coredns/NodeHosts' });
    expect(edit.corefile.toString()).toBe(text.replace('    hosts /etc/coredns/NodeHosts {\n      ttl 60\n      reload 15s\n      fallthrough\n    }\n', ''));
  });

  test('GIVEN the tunnel hosts on the line of the opening brace WHEN removing THEN it throws', () => {
    const text = '.:53 { hosts /etc/edge/tunnel-nodes {\n        fallthrough\n    }\n}\n';
    expect(() => Corefile.parse(text).removeTunnelHosts())
      .toThrow(/^Corefile: server block '\.:53' \(line 1:1\): 'hosts \/etc\/edge\/tunnel-nodes' at line 1:8 does not start its own line, so its lines cannot be removed cleanly; remove it by hand/);
  });

  test('GIVEN the tunnel hosts in a snippet WHEN removing THEN it is left with a warning', () => {
    const text = '(tunnel) {\n    hosts /etc/edge/tunnel-nodes\n}\n.:53 {\n    import tunnel\n}\n';
    const edit = Corefile.parse(text).removeTunnelHosts();
    expect(edit.changed).toBe(false);
    expect(edit.warnings).toEqual([expect.stringMatching(/is not written in the block itself and was not removed; edit it where it is defined/)]);
  });
});

describe('two root server blocks on one port, which CoreDNS refuses to load', () => {
  test('GIVEN .:53 twice THEN the edit is refused with both blocks, the port, CoreDNS\'s own message and the fix', () => {
    const text = '.:53 {\n    forward . /etc/resolv.conf\n}\n.:53 {\n    whoami\n}\n';
    expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(
      "Corefile: server block '.:53' (line 1:1) and server block '.:53' (line 4:1) both serve the root zone '.' on port 53; "
      + 'CoreDNS refuses such a file ("cannot serve dns://.:53 - it is already defined"), so the edited Corefile would not load. Merge the two blocks',
    );
  });

  test('GIVEN . and .:53 THEN they are the same port', () => {
    expect(() => Corefile.parse('. {\n    whoami\n}\ndns://.:53 {\n    whoami\n}\n').addTunnelHosts()).toThrow(/both serve the root zone '\.' on port 53/);
  });

  test('GIVEN two ports, or two bind addresses THEN both blocks are edited', () => {
    expect(Corefile.parse('.:53 {\n    whoami\n}\n.:5353 {\n    whoami\n}\n').addTunnelHosts().editedBlocks).toEqual(['.:53', '.:5353']);
    expect(Corefile.parse('.:53 {\n    bind 10.0.0.1\n}\n.:53 {\n    bind 10.0.0.2\n}\n').addTunnelHosts().editedBlocks).toEqual(['.:53', '.:53']);
  });
});
