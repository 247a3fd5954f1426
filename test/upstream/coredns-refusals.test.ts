import { App, Chart } from 'cdk8s';
import { CoreDnsOptions, DnsCell, startCoreDnsOrReason } from './support/coredns';
import {
  addresses, askAll, CLOUD_NODE, DEFAULT_LISTENER, DnsLab, EDGE_NODE, folderWith, Listener, POD_IP, pooled,
} from './support/coredns-corpus';
import { summary } from './support/dns';
import { Corefile } from '../../src/corefile';
import { RavenProxyDns } from '../../src/raven-proxy-dns';
import { CASES_DIR, COLLECTED_DIR, corefileNames, DISTRIBUTIONS_DIR, readCorefile } from '../corefile/fixtures';
import { seedEditedCorefile } from '../support/seed';

/**
 * Every Corefile the library refuses, edited the way the manual recipe's Step 1 says (by text: its
 * `hosts /etc/edge/tunnel-nodes { reload 300ms; fallthrough }` block inserted before `kubernetes`),
 * run in real CoreDNS v1.14.7: each refusal prevents a CoreDNS that does not start or that does
 * not answer node names. Then the ways out the refusal names are run: the dedicated DNS
 * (`RavenProxyDns`'s Corefile) answers node names while the cluster's Corefile stays as it is, and,
 * for DNS-free addressing, the unchanged cluster Corefile resolves the proxy Service's name.
 *
 * Needs root; see coredns-corpus.test.ts for how CoreDNS runs here.
 */

const ONCE = /plugin\/hosts: this plugin can only be used once per Server Block/;

/** What the naive edit does in real CoreDNS, and what a Corefile needs here. */
interface Refusal {
  /** Where pods reach the cluster DNS. @default 127.0.0.1:53 */
  readonly listener?: Listener;
  /** The library's refusal. */
  readonly refused: RegExp;
  /** The naive edit stops CoreDNS with this error... */
  readonly naiveFails?: RegExp;
  /** ...or CoreDNS starts and a node name gets this answer instead of the proxy IP (and why). */
  readonly naiveAnswers?: { readonly answer: RegExp; readonly why: string };
  /** The cluster domain the Corefile serves (the proxy Service's name resolves through it for DNS-free addressing). */
  readonly clusterDomain?: string;
  readonly env?: { readonly [name: string]: string };
  /** Files of the Corefile's ConfigMap beside it (k3s's NodeHosts). */
  readonly configFiles?: { readonly [name: string]: string };
  /** Stand-in folders mounted at absolute paths. */
  readonly mounts?: { readonly [path: string]: { readonly [file: string]: string } };
  /** Stand-in certificates in the working folder. */
  readonly tlsInWorkingFolder?: boolean;
}

const NODE_HOSTS = '10.0.0.2 server-0\n';

const REFUSED: { readonly [corefile: string]: Refusal } = {
  'distributions/k3s': { refused: /already has 'hosts \/etc\/coredns\/NodeHosts'/, naiveFails: ONCE, clusterDomain: 'cluster.local', configFiles: { NodeHosts: NODE_HOSTS } },
  'distributions/minikube': { refused: /already has 'hosts' with 1 inline entry/, naiveFails: ONCE, clusterDomain: 'cluster.local' },
  'collected/coredns-hosts-inline-no-root': { refused: /no server block serves the root zone/, naiveFails: ONCE },
  'collected/coredns-hosts-wildcard': { refused: /already has 'hosts example\.hosts example\.com'/, naiveFails: ONCE },
  'collected/coredns-template-soa-env': {
    refused: /no server block serves the root zone/,
    naiveAnswers: { answer: /^REFUSED \[\]/, why: 'its only server block serves engineering.coredns.io., so no block takes a node name' },
    env: { HOSTNAME: 'coredns-0' },
  },
  'collected/coredns-tls-tabs': {
    refused: /no server block serves the root zone/,
    naiveAnswers: { answer: /^no answer/, why: 'it serves DNS over TLS on port 5553 only; nothing answers the plain DNS that pods ask on port 53' },
    tlsInWorkingFolder: true,
  },
  'collected/lopper-hosts-file': {
    refused: /already has 'hosts \/config\/hosts'/,
    naiveFails: ONCE,
    listener: { server: '127.255.255.53', port: 53 },
    mounts: { '/config': { hosts: '10.0.0.3 nas\n' } },
  },
  'collected/macropower-k3s-rewrite': { refused: /already has 'hosts \/etc\/coredns\/NodeHosts'/, naiveFails: ONCE, clusterDomain: 'cluster.local', configFiles: { NodeHosts: NODE_HOSTS } },
  'collected/otc-cce-hosts': {
    refused: /already has 'hosts' with 1 inline entry/,
    naiveFails: ONCE,
    clusterDomain: 'cluster.local',
    listener: { server: POD_IP, port: 5353 },
    env: { POD_IP },
  },
  // With the block closed on its first line, the recipe's lines land outside it: CoreDNS reads
  // 'hosts /etc/edge/tunnel-nodes {' as a new server block whose plugins are 'reload' and 'fallthrough'.
  'cases/root-block-on-one-line': { refused: /closes with '\}' at line 1:5 on the same line as '\{'/, naiveFails: /Error during parsing: Unknown directive 'fallthrough'/ },
};

const DIRS: { [dir: string]: string } = { distributions: DISTRIBUTIONS_DIR, collected: COLLECTED_DIR, cases: CASES_DIR };
const readCorpus = (key: string): string => readCorefile(DIRS[key.split('/')[0]], key.split('/')[1]);

/** The recipe's Step 1 block, as its listing writes it (the comment line included). */
function recipeBlock(): string[] {
  const lines = seedEditedCorefile().split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith('# Added:'));
  const end = lines.findIndex((l, i) => i > start + 1 && l === lines[start + 1].replace(/\S.*$/, '}'));
  return lines.slice(start, end + 1);
}

/**
 * The recipe's Step 1 applied by text: its block before the first line that starts with
 * `kubernetes`, indented like it; without one, right after the first server block's first line.
 */
function naiveEdit(text: string): string {
  const lines = text.split('\n');
  const block = recipeBlock();
  const blockIndent = block[1].replace(/\S.*$/, '');
  let at = lines.findIndex((l) => /^\s*kubernetes(\s|$)/.test(l));
  const indent = at >= 0 ? lines[at].replace(/\S.*$/, '') : '    ';
  if (at < 0) {
    at = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#')) + 1;
  }
  const reindented = block.map((l) => indent + l.slice(blockIndent.length));
  return [...lines.slice(0, at), ...reindented, ...lines.slice(at)].join('\n');
}

/** The Corefile `RavenProxyDns` serves. */
function proxyDnsCorefile(): string {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'dns');
  return new RavenProxyDns(chart, 'proxy-dns', { clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1' }).corefile.toString();
}

interface Observed {
  readonly naiveText: string;
  readonly originalError?: string;
  /** The original's answer to the proxy Service's name (DNS-free addressing), and to a node name. */
  readonly originalProxyService?: string[] | string;
  readonly originalEdge?: string;
  readonly naiveError?: string;
  readonly naiveEdge?: string;
  readonly proxyDns?: { readonly [name in 'edge' | 'cloud' | 'service' | 'outside']: string[] | string };
  readonly proxyDnsError?: string;
}

let lab: DnsLab;
let results = new Map<string, Observed>();
const started = Date.now();

async function run(key: string, cell: DnsCell): Promise<Observed> {
  const refusal = REFUSED[key];
  const listener = refusal.listener ?? DEFAULT_LISTENER;
  const original = readCorpus(key);
  const naiveText = naiveEdit(original);
  const label = key.replace('/', '-');
  const volume = lab.volume(cell);
  volume.write(lab.tunnelNodes(EDGE_NODE, CLOUD_NODE));
  const tls = refusal.tlsInWorkingFolder ? lab.standInTls() : {};
  const options = (suffix: string, corefile: string): CoreDnsOptions => ({
    label: `${label}-${suffix}`,
    corefile,
    configFiles: refusal.configFiles,
    tunnelNodes: volume,
    cluster: lab.cluster,
    env: refusal.env,
    cwd: refusal.tlsInWorkingFolder ? folderWith(cell.ns.dir, `${label}-${suffix}-work`, tls) : undefined,
    mounts: Object.fromEntries(Object.entries(refusal.mounts ?? {}).map(([p, files], i) => [p, folderWith(cell.ns.dir, `${label}-${suffix}-mount-${i}`, files)])),
  });
  const domain = refusal.clusterDomain ?? 'cluster.local';

  const first = await startCoreDnsOrReason(cell.ns, options('original', original));
  if (typeof first === 'string') return { naiveText, originalError: first };
  let originalProxyService: string[] | string;
  let originalEdge: string;
  try {
    const [service, edge] = await askAll(cell, listener, [[`x-raven-proxy-internal-svc.kube-system.svc.${domain}`, 'A'], [EDGE_NODE, 'A']]);
    originalProxyService = addresses(service);
    originalEdge = summary(edge);
  } finally {
    await first.stop();
  }

  let naiveError: string | undefined;
  let naiveEdge: string | undefined;
  const second = await startCoreDnsOrReason(cell.ns, options('naive', naiveText));
  if (typeof second === 'string') {
    naiveError = second;
  } else {
    try {
      naiveEdge = summary((await askAll(cell, { ...listener, timeoutMs: 1_000 }, [[EDGE_NODE, 'A']]))[0]);
    } finally {
      await second.stop();
    }
  }

  // The way out: the dedicated DNS, a CoreDNS of its own with RavenProxyDns's Corefile (port 53).
  const third = await startCoreDnsOrReason(cell.ns, options('proxy-dns', proxyDnsCorefile()));
  if (typeof third === 'string') return { naiveText, originalProxyService, originalEdge, naiveError, naiveEdge, proxyDnsError: third };
  try {
    const [edge, cloud, service, outside] = await askAll(cell, DEFAULT_LISTENER, [
      [EDGE_NODE, 'A'], [CLOUD_NODE, 'A'], ['web.default.svc.cluster.local', 'A'], ['example.com', 'A'],
    ]);
    return {
      naiveText,
      originalProxyService,
      originalEdge,
      naiveError,
      naiveEdge,
      proxyDns: { edge: addresses(edge), cloud: addresses(cloud), service: addresses(service), outside: addresses(outside) },
    };
  } finally {
    await third.stop();
  }
}

beforeAll(async () => {
  lab = await DnsLab.start('dnsrefuse', 3);
  results = await pooled(Object.keys(REFUSED), lab.cells, run);
  // eslint-disable-next-line no-console
  console.log(Object.entries(REFUSED).map(([k, r]) => {
    const o = results.get(k);
    const error = o?.naiveError?.split('\n').find((l) => /Error|plugin\//.test(l)) ?? o?.naiveError;
    const naive = o?.naiveError ? `does not start: ${error}` : `starts; ${EDGE_NODE} -> ${o?.naiveEdge} (${r.naiveAnswers?.why ?? '?'})`;
    return `${k}: naive edit ${naive}`;
  }).join('\n'));
}, 300_000);

afterAll(async () => {
  await lab?.destroy();
  // eslint-disable-next-line no-console
  console.log(`coredns-refusals: ${Object.keys(REFUSED).length} Corefiles; the file took ${Date.now() - started} ms`);
}, 60_000);

function observed(key: string): Observed {
  const r = results.get(key);
  if (!r) throw new Error(`${key} was not run`);
  return r;
}

describe('what the refused Corefiles do in real CoreDNS', () => {
  test('GIVEN the corpus WHEN the library edits it THEN exactly the Corefiles listed here are refused, each for its reason', () => {
    const refused: string[] = [];
    for (const dir of Object.keys(DIRS)) {
      for (const name of corefileNames(DIRS[dir])) {
        const key = `${dir}/${name}`;
        try {
          Corefile.parse(readCorefile(DIRS[dir], name)).addTunnelHosts();
        } catch (e) {
          refused.push(key);
          expect((e as Error).message).toMatch(REFUSED[key]?.refused ?? /not listed/);
        }
      }
    }
    expect(refused.sort()).toEqual(Object.keys(REFUSED).sort());
  });

  test.each(Object.keys(REFUSED))('GIVEN %s WHEN its original is started here THEN it starts', (key) => {
    expect(observed(key).originalError).toBeUndefined();
  });

  test.each(Object.keys(REFUSED).filter((k) => REFUSED[k].naiveFails))('GIVEN %s WHEN the recipe\'s hosts block is added by text THEN CoreDNS refuses to start', (key) => {
    const r = observed(key);
    expect(r.naiveText).toContain('hosts /etc/edge/tunnel-nodes {');
    expect(r.naiveError).toMatch(REFUSED[key].naiveFails!);
  });

  test.each(Object.keys(REFUSED).filter((k) => REFUSED[k].naiveAnswers))('GIVEN %s WHEN the recipe\'s hosts block is added by text THEN CoreDNS starts but a node name is not answered with the proxy IP', (key) => {
    const r = observed(key);
    expect(r.naiveError).toBeUndefined();
    expect(r.naiveEdge).toMatch(REFUSED[key].naiveAnswers!.answer);
  });

  test.each(Object.keys(REFUSED))('GIVEN %s is kept as it is WHEN the dedicated DNS (RavenProxyDns\'s Corefile) runs THEN it answers node names, Services and outside names', (key) => {
    const r = observed(key);
    expect(r.proxyDnsError).toBeUndefined();
    expect(r.proxyDns).toEqual({ edge: [lab.proxyIp], cloud: [lab.proxyIp], service: [lab.webIp], outside: ['192.0.2.80'] });
  });

  test.each(Object.keys(REFUSED).filter((k) => REFUSED[k].clusterDomain))('GIVEN %s is kept as it is WHEN Prometheus addresses nodes DNS-free THEN the proxy Service\'s name resolves through it', (key) => {
    expect(observed(key).originalProxyService).toEqual([lab.proxyIp]);
  });
});
