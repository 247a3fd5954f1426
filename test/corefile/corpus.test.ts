import * as path from 'path';
import { COLLECTED_DIR, corefileNames, EXPECTED_DIR, readCorefile, DISTRIBUTIONS_DIR } from './fixtures';
import { Corefile } from '../../src/corefile';

/** What `addTunnelHosts()` (default options) must do to a Corefile. */
interface Outcome {
  /** The keys of the edited blocks; the edited text is `expected/<dir>/<name>.Corefile`. */
  readonly edited?: string[];
  /** Patterns the warnings must match, in order. */
  readonly warnings?: RegExp[];
  /** The refusal message. */
  readonly refused?: RegExp;
  /** The Corefile already has the tunnel hosts. */
  readonly unchanged?: boolean;
}

const ONCE = /the hosts plugin can only be used once per server block: CoreDNS refuses to start and cluster DNS goes down/;
const NO_ROOT = /^Corefile: no server block serves the root zone '\.' over plain DNS/;

function refusedWith(...patterns: RegExp[]): RegExp {
  return new RegExp(patterns.map((p) => `(?=[\\s\\S]*${p.source})`).join(''));
}

const DISTRIBUTIONS: { [name: string]: Outcome } = {
  'aks': { edited: ['.:53'], warnings: [/^server block '\.:53' \(line 1:1\): 'import custom\/\*\.override' at line 18:5 may add plugins .* its contents were not checked/] },
  'coredns-helm': { edited: ['.:53'] },
  'eks': { edited: ['.:53'] },
  'k3s': { refused: refusedWith(/already has 'hosts \/etc\/coredns\/NodeHosts' at line 9:5/, ONCE) },
  'kubeadm-v1.31': { edited: ['.:53'] },
  'kubeadm': { edited: ['.:53'] },
  'kubespray': { edited: ['.:53'] },
  'minikube': { refused: refusedWith(/already has 'hosts' with 1 inline entry at line 14:5/, ONCE) },
  'openshift': { edited: ['.:5353'] },
  'openyurt-raven-proxy-dns': { unchanged: true },
  'rke2': { edited: ['.:53'] },
};

const COLLECTED: { [name: string]: Outcome } = {
  'coredns-hosts-inline-no-root': { refused: refusedWith(NO_ROOT, /found 'example\.hosts example\.org' at line 1:1/) },
  'coredns-hosts-wildcard': { refused: refusedWith(/already has 'hosts example\.hosts example\.com' with 2 inline entries at line 2:5/, ONCE) },
  'coredns-issue-1708-rewrite-trailing-spaces': { edited: ['.:53'] },
  'coredns-issue-4697-acl-zone-dot': { edited: ['.:53'] },
  'coredns-issue-7108-multi-scheme': { edited: ['tls://.:853 .:5353 https://.:443'] },
  'coredns-manual-four-zones': { edited: ['.:53'] },
  'coredns-manual-snippet': { edited: ['.'] },
  'coredns-readme-two-blocks': { edited: ['.'] },
  'coredns-template-hex-braces': { edited: ['.'] },
  'coredns-template-ptr-comments': { edited: ['.'] },
  'coredns-template-soa-env': { refused: refusedWith(NO_ROOT, /found 'engineering\.coredns\.io\.' at line 1:1/) },
  'coredns-tls-tabs': { refused: refusedWith(NO_ROOT, /found 'tls:\/\/\.:5553' at line 1:1/) },
  'gardener': { edited: ['.:8053'], warnings: [/'import custom\/\*\.override' at line 18:3 may add plugins/] },
  'k0s': { edited: ['.:53'] },
  'k8s-docs-consul-stub': { edited: ['.:53'] },
  'k8s-docs-kubedns-translation': { edited: ['.:53'] },
  'lopper-hosts-file': { refused: refusedWith(/already has 'hosts \/config\/hosts' at line 8:8/, ONCE) },
  'macropower-k3s-rewrite': { refused: refusedWith(/already has 'hosts \/etc\/coredns\/NodeHosts' at line 12:5/, ONCE) },
  'microk8s': { edited: ['.:53'] },
  'nodelocaldns': { edited: ['.:53'] },
  'otc-cce-hosts': { refused: refusedWith(/server block '\.:5353' \(line 1:1\) already has 'hosts' with 1 inline entry at line 3:5/, ONCE) },
  'otc-cce-stubdomain': { edited: ['.:5353'] },
  'outscale-oks': { edited: ['.:53'], warnings: [/'import \/custom\/\*\.include' at line 18:5 may add plugins/] },
  'rke1': { edited: ['.:53'] },
  'talos': { edited: ['.:53'] },
  'uzxmx-comma-keys': { edited: ['.'] },
};

function checkOutcome(text: string, outcome: Outcome, expectedFile: () => string): void {
  const corefile = Corefile.parse(text);
  if (outcome.refused) {
    expect(() => corefile.addTunnelHosts()).toThrow(outcome.refused);
    return;
  }
  const edit = corefile.addTunnelHosts();
  if (outcome.unchanged) {
    expect(edit.changed).toBe(false);
    expect(edit.corefile.toString()).toBe(text);
    return;
  }
  expect(edit.corefile.toString()).toBe(expectedFile());
  expect(edit.changed).toBe(true);
  expect(edit.editedBlocks).toEqual(outcome.edited);
  expect(edit.warnings).toHaveLength((outcome.warnings ?? []).length);
  (outcome.warnings ?? []).forEach((w, i) => expect(edit.warnings[i]).toMatch(w));
}

function checkReversible(text: string): void {
  const edit = Corefile.parse(text).addTunnelHosts();
  expect(edit.corefile.addTunnelHosts().changed).toBe(false);
  expect(edit.corefile.removeTunnelHosts().corefile.toString()).toBe(text);
}

describe('the eleven distribution Corefiles', () => {
  test('GIVEN the distributions directory WHEN listing it THEN every Corefile has an expected outcome', () => {
    expect(corefileNames(DISTRIBUTIONS_DIR)).toEqual(Object.keys(DISTRIBUTIONS).sort());
  });

  test.each(Object.keys(DISTRIBUTIONS))('GIVEN the %s Corefile WHEN adding the tunnel hosts THEN the outcome is the expected one', (name) => {
    checkOutcome(readCorefile(DISTRIBUTIONS_DIR, name), DISTRIBUTIONS[name], () => readCorefile(EXPECTED_DIR, name));
  });

  test.each(Object.keys(DISTRIBUTIONS).filter((n) => DISTRIBUTIONS[n].edited))(
    'GIVEN the %s Corefile WHEN adding then adding again and removing THEN the second add changes nothing and removal restores the input',
    (name) => checkReversible(readCorefile(DISTRIBUTIONS_DIR, name)),
  );

  test('GIVEN the OpenShift Corefile WHEN adding THEN the hostname.bind block is left untouched', () => {
    const edited = Corefile.parse(readCorefile(DISTRIBUTIONS_DIR, 'openshift')).addTunnelHosts().corefile;
    expect(edited.serverBlocks[1].directives.map((d) => d.name)).toEqual(['chaos']);
    expect(edited.serverBlocks[0].directives.map((d) => d.name)).toContain('hosts');
  });
});

describe('the collected real Corefiles', () => {
  test('GIVEN the collected directory WHEN listing it THEN every Corefile has an expected outcome', () => {
    expect(corefileNames(COLLECTED_DIR)).toEqual(Object.keys(COLLECTED).sort());
  });

  test.each(Object.keys(COLLECTED))('GIVEN the collected %s Corefile WHEN adding the tunnel hosts THEN the outcome is the expected one', (name) => {
    checkOutcome(readCorefile(COLLECTED_DIR, name), COLLECTED[name], () => readCorefile(path.join(EXPECTED_DIR, 'collected'), name));
  });

  test.each(Object.keys(COLLECTED).filter((n) => COLLECTED[n].edited))(
    'GIVEN the collected %s Corefile WHEN adding then adding again and removing THEN the second add changes nothing and removal restores the input',
    (name) => checkReversible(readCorefile(COLLECTED_DIR, name)),
  );
});
