import { CoreDnsOptions, DnsCell, startCoreDnsOrReason, TunnelNodesVolume } from './support/coredns';
import {
  ACL_SOURCE_V4, ACL_SOURCE_V6, addresses, askAll, CLOUD_NODE, DEFAULT_LISTENER, DnsLab, EDGE_NODE, folderWith, Listener, Pickup, POD_IP,
  pooled, probePickup, reverseName,
} from './support/coredns-corpus';
import { summary } from './support/dns';
import { Corefile } from '../../src/corefile';
import { CASES_DIR, COLLECTED_DIR, corefileNames, DISTRIBUTIONS_DIR, readCorefile } from '../corefile/fixtures';

/**
 * Every Corefile of the test corpus that the library edits, run in real CoreDNS v1.14.7 before and
 * after the edit, as a cluster runs it: the Corefile in a ConfigMap volume, the tunnel-nodes
 * ConfigMap volume at /etc/edge written as the kubelet writes it and with yurt-manager's content,
 * the `kubernetes` plugin on a real kube-apiserver through the in-cluster environment and a
 * ServiceAccount token, `forward` to a stub upstream. Each CoreDNS runs alone in a network namespace
 * (a "cell"), four cells side by side. The Corefiles are never altered; what they need that cannot
 * exist here (certificates, a pod IP, upstream addresses, a client inside an `acl`) is stood in.
 *
 * Needs root (network and mount namespaces); builds CoreDNS, etcd and kube-apiserver from their
 * pinned modules if the toolchain cache lacks them.
 */

/** How CoreDNS runs a Corefile here, and what it must do. */
interface Expectation {
  /** Where a pod's query reaches the edited root block. @default 127.0.0.1:53 */
  readonly listener?: Listener;
  /** The cluster domain of the root block's `kubernetes` plugin, when it has one. */
  readonly kubernetes?: string;
  /** Whether the root block forwards outside names (to the stub upstream). */
  readonly forwards: boolean;
  /** Environment the Corefile reads (`{$POD_IP}`). */
  readonly env?: { readonly [name: string]: string };
  /** Stand-in certificate files in the working folder (for relative `tls cert.pem key.pem`). */
  readonly tlsInWorkingFolder?: boolean;
  /** Folders mounted with stand-in certificate files (for absolute `tls /etc/tls/cert.pem ...`). */
  readonly tlsMountedAt?: string;
  /** CoreDNS v1.14.7 refuses the original: why, and its error. The edited one must fail the same way. */
  readonly cannotStart?: { readonly why: string; readonly error: RegExp };
  /**
   * Why a node name never reaches `hosts` (a plugin that runs before it in plugin.cfg order changes
   * every name): the edited Corefile answers node names as the original does.
   */
  readonly nodeNamesRewritten?: string;
  /** Why the edited Corefile answers SERVFAIL where the original answers REFUSED (and nothing else changes). */
  readonly refusedBecomesServfail?: string;
}

const K8S = { kubernetes: 'cluster.local', forwards: true };
const PROXY_REMOVED = { why: 'CoreDNS v1.14.7 has no \'proxy\' plugin (its successor is \'forward\')', error: /Error during parsing: Unknown directive 'proxy'/ };

const EDITED: { readonly [corefile: string]: Expectation } = {
  'distributions/aks': K8S,
  'distributions/coredns-helm': K8S,
  'distributions/eks': K8S,
  'distributions/kubeadm-v1.31': K8S,
  'distributions/kubeadm': K8S,
  'distributions/kubespray': K8S,
  'distributions/openshift': { ...K8S, listener: { server: '127.0.0.1', port: 5353 } },
  'distributions/rke2': K8S,
  'collected/coredns-issue-1708-rewrite-trailing-spaces': { ...K8S, cannotStart: PROXY_REMOVED },
  'collected/coredns-issue-4697-acl-zone-dot': { kubernetes: 'p5.k8s.ooo', forwards: true, listener: { server: ACL_SOURCE_V6, port: 53, source: ACL_SOURCE_V6 } },
  'collected/coredns-issue-7108-multi-scheme': { forwards: true, listener: { server: ACL_SOURCE_V4, port: 5353, source: ACL_SOURCE_V4 }, tlsInWorkingFolder: true },
  'collected/coredns-manual-four-zones': { forwards: true, cannotStart: PROXY_REMOVED },
  'collected/coredns-manual-snippet': { forwards: false },
  'collected/coredns-readme-two-blocks': { forwards: true },
  'collected/coredns-template-hex-braces': { forwards: true },
  'collected/coredns-template-ptr-comments': { forwards: true },
  'collected/gardener': { ...K8S, listener: { server: '127.0.0.1', port: 8053 } },
  'collected/k0s': K8S,
  'collected/k8s-docs-consul-stub': K8S,
  'collected/k8s-docs-kubedns-translation': {
    ...K8S,
    cannotStart: { why: 'CoreDNS v1.14.7 has no \'federation\' plugin', error: /Error during parsing: Unknown directive 'federation'/ },
  },
  'collected/microk8s': K8S,
  'collected/nodelocaldns': {
    forwards: true,
    cannotStart: {
      why: 'a node-local-dns template: node-cache fills __PILLAR__CLUSTER__DNS__ and __PILLAR__UPSTREAM__SERVERS__ when it starts',
      error: /plugin\/forward: failed to resolve "__PILLAR__CLUSTER__DNS__"/,
    },
  },
  'collected/otc-cce-stubdomain': { ...K8S, listener: { server: POD_IP, port: 5353 }, env: { POD_IP } },
  'collected/outscale-oks': K8S,
  'collected/rke1': K8S,
  'collected/talos': K8S,
  'collected/uzxmx-comma-keys': { forwards: true },
  'cases/blocks-on-one-line': {
    ...K8S,
    cannotStart: { why: 'CoreDNS\'s health plugin does not take a block written on one line', error: /plugin\/health: .*Wrong argument count or unexpected line ending after '\}'/ },
  },
  'cases/braceless': K8S,
  'cases/comma-keys-multiline': { forwards: true },
  'cases/comments-everywhere': K8S,
  'cases/empty-root-block': {
    forwards: false,
    refusedBecomesServfail: 'a root block without plugins answers REFUSED; with only hosts in it, a name missing from the file falls through to no plugin, which is SERVFAIL',
  },
  'cases/env-placeholders': {
    ...K8S,
    listener: { server: POD_IP, port: 53 },
    env: { ZONE: 'example.org', DNS_PORT: '1053', UPSTREAM: '8.8.8.8', POD_IP, CLUSTER_DOMAIN: 'cluster.local' },
    nodeNamesRewritten: '\'rewrite name regex (.*)\\.{1} {1}.svc\' turns every name N. into N.svc, and rewrite runs before hosts',
  },
  'cases/imports-all-levels': { kubernetes: 'cluster.local', forwards: false },
  'cases/kubernetes-on-brace-line': K8S,
  'cases/odd-layout': K8S,
  'cases/quoted-strings': { kubernetes: 'cluster.local', forwards: false },
  'cases/server-brace-next-line': K8S,
  'cases/several-root-blocks': { ...K8S, tlsMountedAt: '/etc/tls' },
  'cases/snippets': K8S,
  'cases/tabs': K8S,
};

const DIRS: { [dir: string]: string } = { distributions: DISTRIBUTIONS_DIR, collected: COLLECTED_DIR, cases: CASES_DIR };
const readCorpus = (key: string): string => readCorefile(DIRS[key.split('/')[0]], key.split('/')[1]);
const RELOAD_MS = 300;
/** How late after the reload interval a change may be seen: scheduling on a busy 2-core machine. */
const PICKUP_SLACK_MS = 400;

/** Names whose answers must not change with the edit: none is in the tunnel-nodes file. */
function comparisonQuestions(lab: DnsLab): Array<[string, string]> {
  return [
    ['example.com', 'A'], ['example.com', 'AAAA'], ['example.com', 'MX'], ['example.com', 'TXT'], ['www.example.com', 'A'],
    ['nope.example.com', 'A'], ['late-node-1', 'A'], ['late-node-1', 'AAAA'],
    [`${EDGE_NODE}.cluster.local`, 'A'], [`${EDGE_NODE}.monitor.svc.cluster.local`, 'A'],
    ['web.default.svc.cluster.local', 'A'], ['web.default.svc.cluster.local', 'AAAA'], ['_http._tcp.web.default.svc.cluster.local', 'SRV'],
    ['kubernetes.default.svc.cluster.local', 'A'], ['missing.default.svc.cluster.local', 'A'],
    ['x-raven-proxy-internal-svc.kube-system.svc.cluster.local', 'A'], ['web.default.svc.p5.k8s.ooo', 'A'],
    [reverseName(lab.webIp), 'PTR'], [reverseName(lab.proxyIp), 'PTR'], ['80.2.0.192.in-addr.arpa', 'PTR'], ['9.9.9.10.in-addr.arpa', 'PTR'],
    ['foo', 'A'], ['ip-10-1-2-3.example', 'A'], ['ip0a010203.example', 'A'], ['example.org', 'A'], ['example.org', 'TXT'], ['www.consul.local', 'A'],
  ];
}

/** What one Corefile did. */
interface Observed {
  readonly originalError?: string;
  readonly editedError?: string;
  /** Summaries of the comparison questions, in order, from the original. */
  readonly original?: string[];
  readonly originalEdge?: string;
  readonly edited?: {
    readonly answers: string[];
    readonly edge: string[] | string;
    readonly edgeSummary: string;
    readonly cloud: string[] | string;
    readonly edgeAaaa: string;
    readonly service?: string[] | string;
    readonly outside?: string[] | string;
    readonly pickup: Pickup;
  };
  readonly missingFile?: {
    readonly answers: string[];
    readonly edgeBefore: string;
    readonly pickup: Pickup;
  };
}

let lab: DnsLab;
let results = new Map<string, Observed>();
const started = Date.now();
let corpusMs = 0;

async function run(key: string, cell: DnsCell): Promise<Observed> {
  const expectation = EDITED[key];
  const listener = expectation.listener ?? DEFAULT_LISTENER;
  const original = readCorpus(key);
  const edited = Corefile.parse(original).addTunnelHosts().corefile.toString();
  const label = key.replace('/', '-');
  const tls = expectation.tlsInWorkingFolder || expectation.tlsMountedAt ? lab.standInTls() : {};
  const common = (volume: TunnelNodesVolume, suffix: string): CoreDnsOptions => ({
    label: `${label}-${suffix}`,
    corefile: suffix === 'original' ? original : edited,
    tunnelNodes: volume,
    cluster: lab.cluster,
    env: expectation.env,
    cwd: expectation.tlsInWorkingFolder ? folderWith(cell.ns.dir, `${label}-${suffix}-work`, tls) : undefined,
    mounts: expectation.tlsMountedAt ? { [expectation.tlsMountedAt]: folderWith(cell.ns.dir, `${label}-${suffix}-tls`, tls) } : undefined,
  });
  const questions = comparisonQuestions(lab);
  const ask = async (qs: Array<[string, string]>) => (await askAll(cell, listener, qs)).map(summary);

  // The original, with the tunnel-nodes file present (it does not read it).
  const withFile = lab.volume(cell);
  withFile.write(lab.tunnelNodes(EDGE_NODE, CLOUD_NODE));
  const first = await startCoreDnsOrReason(cell.ns, common(withFile, 'original'));
  if (typeof first === 'string') {
    const again = await startCoreDnsOrReason(cell.ns, common(withFile, 'edited'));
    if (typeof again !== 'string') await again.stop();
    return { originalError: first, editedError: typeof again === 'string' ? again : undefined };
  }
  let originalAnswers: string[];
  let originalEdge: string;
  try {
    originalAnswers = await ask(questions);
    originalEdge = (await ask([[EDGE_NODE, 'A']]))[0];
  } finally {
    await first.stop();
  }

  // The edited one, file present: node names, everything else as before, a node that joins.
  const second = await startCoreDnsOrReason(cell.ns, common(withFile, 'edited'));
  if (typeof second === 'string') {
    return { original: originalAnswers, originalEdge, editedError: second };
  }
  let editedObserved: Observed['edited'];
  try {
    const answers = await ask(questions);
    const [edge, cloud, edgeAaaa, service, outside] = await askAll(cell, listener, [
      [EDGE_NODE, 'A'], [CLOUD_NODE, 'A'], [EDGE_NODE, 'AAAA'],
      [`web.default.svc.${expectation.kubernetes ?? 'cluster.local'}`, 'A'], ['example.com', 'A'],
    ]);
    const pickup = await probePickup(lab, cell, listener, withFile, [EDGE_NODE, CLOUD_NODE], 'joined');
    editedObserved = {
      answers,
      edge: addresses(edge),
      edgeSummary: summary(edge),
      cloud: addresses(cloud),
      edgeAaaa: summary(edgeAaaa),
      service: addresses(service),
      outside: addresses(outside),
      pickup,
    };
  } finally {
    await second.stop();
  }

  // The edited one, started before the ConfigMap exists (the optional volume is empty).
  const late = lab.volume(cell);
  const third = await startCoreDnsOrReason(cell.ns, common(late, 'edited-no-file'));
  if (typeof third === 'string') {
    return { original: originalAnswers, originalEdge, edited: editedObserved, editedError: `without the file: ${third}` };
  }
  try {
    const answers = await ask(questions);
    const edgeBefore = (await ask([[EDGE_NODE, 'A']]))[0];
    const pickup = await probePickup(lab, cell, listener, late, [EDGE_NODE, CLOUD_NODE], 'appeared');
    return { original: originalAnswers, originalEdge, edited: editedObserved, missingFile: { answers, edgeBefore, pickup } };
  } finally {
    await third.stop();
  }
}

beforeAll(async () => {
  lab = await DnsLab.start('dnscorpus', 4);
  const t = Date.now();
  results = await pooled(Object.keys(EDITED), lab.cells, run);
  corpusMs = Date.now() - t;
}, 300_000);

afterAll(async () => {
  await lab?.destroy();
  // eslint-disable-next-line no-console
  console.log(`coredns-corpus: ${Object.keys(EDITED).length} Corefiles in ${corpusMs} ms on ${lab?.cells.length} cells; the file took ${Date.now() - started} ms`);
}, 60_000);

function observed(key: string): Observed {
  const r = results.get(key);
  if (!r) throw new Error(`${key} was not run`);
  return r;
}

const STARTING = Object.keys(EDITED).filter((k) => !EDITED[k].cannotStart);
const ANSWERING = STARTING.filter((k) => !EDITED[k].nodeNamesRewritten);

/** The answers by question, the original's with REFUSED turned into SERVFAIL where the table says so. */
function byQuestion(key: string, answers: string[] | undefined, fromOriginal: boolean): { [question: string]: string | undefined } {
  const questions = comparisonQuestions(lab).map(([name, type]) => `${name} ${type}`);
  const servfail = fromOriginal && EDITED[key].refusedBecomesServfail !== undefined;
  return Object.fromEntries(questions.map((q, i) => [q, servfail ? answers?.[i]?.replace(/^REFUSED /, 'SERVFAIL ') : answers?.[i]]));
}

describe('the corpus in real CoreDNS', () => {
  test('GIVEN the corpus WHEN the library edits it THEN exactly the Corefiles listed here are edited', () => {
    const edited: string[] = [];
    for (const dir of Object.keys(DIRS)) {
      for (const name of corefileNames(DIRS[dir])) {
        try {
          if (Corefile.parse(readCorefile(DIRS[dir], name)).addTunnelHosts().changed) edited.push(`${dir}/${name}`);
        } catch {
          // refused: test/upstream/coredns-refusals.test.ts
        }
      }
    }
    expect(edited.sort()).toEqual(Object.keys(EDITED).sort());
  });

  test('GIVEN the originals WHEN started here THEN the ones that cannot start are the listed ones, for the listed reasons', () => {
    const failed = Object.keys(EDITED).filter((k) => observed(k).originalError !== undefined);
    const report = failed.map((k) => `  ${k}: ${EDITED[k].cannotStart?.why ?? 'unexpected'}\n      ${observed(k).originalError?.split('\n')[0]}`);
    // eslint-disable-next-line no-console
    console.log(`${Object.keys(EDITED).length} edited Corefiles; ${Object.keys(EDITED).length - failed.length} originals started here, ${failed.length} could not:\n${report.join('\n')}`);
    expect(failed).toEqual(Object.keys(EDITED).filter((k) => EDITED[k].cannotStart));
    for (const k of failed) {
      expect(observed(k).originalError).toMatch(EDITED[k].cannotStart!.error);
    }
  });

  test.each(Object.keys(EDITED).filter((k) => EDITED[k].cannotStart))(
    'GIVEN %s, whose original CoreDNS refuses, WHEN the edited one is started THEN it fails the same way, not because of the edit', (key) => {
      expect(observed(key).editedError).toMatch(EDITED[key].cannotStart!.error);
    });

  test.each(ANSWERING)('GIVEN %s WHEN the edited Corefile is started with the tunnel-nodes file THEN it starts and answers edge and cloud node names with the proxy IP', (key) => {
    const r = observed(key);
    expect(r.editedError).toBeUndefined();
    expect(r.edited?.edge).toEqual([lab.proxyIp]);
    expect(r.edited?.cloud).toEqual([lab.proxyIp]);
    // A pod's resolver asks A and AAAA: the name exists without an IPv6 address (NOERROR, no records).
    expect(r.edited?.edgeAaaa).toBe('NOERROR [] auth []');
  });

  test.each(STARTING.filter((k) => EDITED[k].nodeNamesRewritten))(
    'GIVEN %s, which rewrites every name before hosts runs, WHEN the edited Corefile is asked for a node name THEN it answers as the original', (key) => {
      const r = observed(key);
      expect(r.editedError).toBeUndefined();
      expect(r.edited?.edgeSummary).toBe(r.originalEdge);
      expect(r.edited?.edge).not.toEqual([lab.proxyIp]);
    });

  test.each(ANSWERING.filter((k) => EDITED[k].kubernetes))('GIVEN %s WHEN the edited Corefile is asked for a Service THEN the kubernetes plugin still answers it', (key) => {
    expect(observed(key).edited?.service).toEqual([lab.webIp]);
  });

  test.each(ANSWERING.filter((k) => EDITED[k].forwards))('GIVEN %s WHEN the edited Corefile is asked for an outside name THEN forward still answers it from the upstream', (key) => {
    expect(observed(key).edited?.outside).toEqual(['192.0.2.80']);
  });

  test.each(STARTING)('GIVEN %s WHEN names outside the tunnel-nodes file are asked THEN the edited Corefile answers exactly as the original', (key) => {
    const r = observed(key);
    expect(byQuestion(key, r.edited?.answers, false)).toEqual(byQuestion(key, r.original, true));
  });

  test.each(STARTING.filter((k) => EDITED[k].refusedBecomesServfail))('GIVEN %s WHEN names outside the file are asked THEN the only change is SERVFAIL for REFUSED', (key) => {
    const r = observed(key);
    const refused = r.original?.filter((a) => a.startsWith('REFUSED ')).length ?? 0;
    expect(refused).toBeGreaterThan(0);
    expect(r.original?.filter((a) => a.startsWith('SERVFAIL ')).length).toBe(0);
    expect(r.edited?.answers.filter((a) => a.startsWith('SERVFAIL ')).length).toBe(refused);
  });

  test.each(ANSWERING)('GIVEN %s WHEN a node joins the tunnel-nodes file THEN the edited Corefile answers it within the reload interval', (key) => {
    const pickup = observed(key).edited!.pickup;
    expect(pickup.latencyMs).toBeDefined();
    expect(pickup.latencyMs!).toBeLessThanOrEqual(RELOAD_MS + PICKUP_SLACK_MS);
    expect(pickup.relapsed).toBe(false);
  });

  test.each(STARTING)('GIVEN %s WHEN the edited Corefile starts before the tunnel-nodes ConfigMap exists THEN it starts and answers as the original', (key) => {
    const r = observed(key);
    expect(r.missingFile).toBeDefined();
    expect(byQuestion(key, r.missingFile?.answers, false)).toEqual(byQuestion(key, r.original, true));
    const originalEdge = EDITED[key].refusedBecomesServfail ? r.originalEdge?.replace(/^REFUSED /, 'SERVFAIL ') : r.originalEdge;
    expect(r.missingFile?.edgeBefore).toBe(originalEdge);
  });

  test.each(ANSWERING)('GIVEN %s WHEN the tunnel-nodes file appears after the edited Corefile started THEN it is picked up within the reload interval', (key) => {
    const pickup = observed(key).missingFile!.pickup;
    expect(pickup.latencyMs).toBeDefined();
    expect(pickup.latencyMs!).toBeLessThanOrEqual(RELOAD_MS + PICKUP_SLACK_MS);
    expect(pickup.relapsed).toBe(false);
  });

  test('GIVEN every answering Corefile WHEN a change of the file was probed THEN the pick-up times are reported', () => {
    const latencies = ANSWERING.flatMap((k) => [observed(k).edited?.pickup.latencyMs, observed(k).missingFile?.pickup.latencyMs])
      .filter((l): l is number => l !== undefined);
    // eslint-disable-next-line no-console
    console.log(`tunnel-nodes changes answered ${Math.min(...latencies)} to ${Math.max(...latencies)} ms after the write (reload ${RELOAD_MS}ms, a new name asked every 50 ms)`);
    expect(latencies).toHaveLength(2 * ANSWERING.length);
  });
});

describe('the lexer rule the engine follows, in real CoreDNS', () => {
  const cell = () => lab.cells[0];

  test('GIVEN a # glued to a brace and followed by words WHEN CoreDNS reads it THEN the comment ends with the token and the words are a directive', async () => {
    const outcome = await startCoreDnsOrReason(cell().ns, { label: 'lexer-spaced-comment', corefile: '.:53 {# main server\n    whoami\n}\n' });
    expect(outcome).toEqual(expect.stringMatching(/Unknown directive 'main'/));
    expect(Corefile.parse('.:53 {# main server\n    whoami\n}\n').serverBlocks[0].directives.map((d) => d.name)).toEqual(['main', 'whoami']);
  });

  test('GIVEN a # glued to a brace and to the rest of its comment WHEN CoreDNS reads it THEN the block opens and the comment is dropped', async () => {
    const outcome = await startCoreDnsOrReason(cell().ns, { label: 'lexer-glued-comment', corefile: '.:53 {#main-server\n    whoami\n}\n' });
    expect(typeof outcome).not.toBe('string');
    if (typeof outcome !== 'string') await outcome.stop();
    expect(Corefile.parse('.:53 {#main-server\n    whoami\n}\n').serverBlocks[0].directives.map((d) => d.name)).toEqual(['whoami']);
  });
});
