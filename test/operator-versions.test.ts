import Ajv, { ValidateFunction } from 'ajv';
import { App, Chart } from 'cdk8s';
import {
  BearerToken,
  EdgeNodeScrape,
  KubeletScrape,
  NodeAddressing,
  NodeSelection,
  RavenPrometheus,
  RavenPrometheusProps,
  ScrapeScheme,
  TargetDiscovery,
} from '../src';
import { loadCrd } from './support/schemas';
import { MINIMUM_OPERATOR_VERSION, SCRAPE_CONFIG_FIELD_GATES } from '../src/private/version-checks';

/**
 * The declared prometheus-operator version gates what the library writes, from the truth: the
 * ScrapeConfig CRD of each release, taken from that release's Go module (upstream/files/files.json).
 * With a version declared, every ScrapeConfig the library writes has only fields that release's CRD
 * has, and that CRD accepts it; what the release cannot take is refused at synth time with the reason.
 */

/** The releases whose CRDs are pinned, and the declared versions they stand for. */
const RELEASES: Array<{ declared: string[]; crd: string; version: string }> = [
  { declared: ['0.66.0'], crd: 'scrapeconfigs-crd-v0.66.0', version: '0.66.0' },
  { declared: ['0.67.0', '0.67.1'], crd: 'scrapeconfigs-crd-v0.67.1', version: '0.67.1' },
  { declared: ['0.68.0'], crd: 'scrapeconfigs-crd-v0.68.0', version: '0.68.0' },
  { declared: ['0.69.0', '0.69.1'], crd: 'scrapeconfigs-crd-v0.69.1', version: '0.69.1' },
  { declared: ['0.70.0'], crd: 'scrapeconfigs-crd-v0.70.0', version: '0.70.0' },
  { declared: ['0.71.0', '0.71.2'], crd: 'scrapeconfigs-crd-v0.71.0', version: '0.71.0' },
  { declared: ['0.75.0'], crd: 'scrapeconfigs-crd-v0.75.0', version: '0.75.0' },
  { declared: ['0.76.0'], crd: 'scrapeconfigs-crd-v0.76.0', version: '0.76.0' },
  { declared: ['0.93.0', 'v0.93.1'], crd: 'scrapeconfigs-crd', version: '0.93.1' },
];

function atLeast(a: string, b: string): boolean {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] > pb[i];
  return true;
}

function v1alpha1Schema(crd: string): any {
  return loadCrd(crd).spec.versions.find((v: any) => v.name === 'v1alpha1').schema.openAPIV3Schema;
}

/** The schema node at a manifest path (`spec.a[].b`), or undefined when the CRD has no such field. */
function schemaAt(root: any, path: string): any {
  let node = root;
  for (const part of path.split('.')) {
    const name = part.replace(/\[\]/g, '');
    node = node?.properties?.[name];
    for (let i = 0; i < (part.match(/\[\]/g) ?? []).length; i++) node = node?.items;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Every field path a manifest writes under spec, lists as `[]`. */
function writtenPaths(value: any, path: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) writtenPaths(item, `${path}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      out.add(`${path}.${key}`);
      writtenPaths(child, `${path}.${key}`, out);
    }
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
for (const format of ['int32', 'int64', 'byte', 'double', 'float', 'date-time', 'duration', 'uri']) ajv.addFormat(format, true);
const validators = new Map<string, ValidateFunction>();
function crdErrors(crd: string, manifest: any): string[] {
  if (!validators.has(crd)) validators.set(crd, ajv.compile(v1alpha1Schema(crd)));
  const validate = validators.get(crd)!;
  return validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

describe('the version gates are the CRDs\' truth', () => {
  test.each(SCRAPE_CONFIG_FIELD_GATES.map((g) => [`${g.path}${g.value ? `=${g.value}` : ''}`, g] as const))(
    'GIVEN the gate of %s WHEN each pinned release\'s CRD is read THEN exactly the releases from its version have it', (_name, gate) => {
      const has = RELEASES.map((r) => {
        const node = schemaAt(v1alpha1Schema(r.crd), gate.path);
        return { release: r.version, has: node !== undefined && (gate.value === undefined || (node.enum ?? []).includes(gate.value)) };
      });
      expect(has).toEqual(RELEASES.map((r) => ({ release: r.version, has: atLeast(r.version, gate.since) })));
    });

  test('GIVEN the oldest supported release WHEN its CRD is read THEN it has kubernetesSDConfigs and metricRelabelings, and the releases before lack one of them', () => {
    const has = RELEASES.map((r) => ({
      release: r.version,
      has: schemaAt(v1alpha1Schema(r.crd), 'spec.kubernetesSDConfigs') !== undefined && schemaAt(v1alpha1Schema(r.crd), 'spec.metricRelabelings') !== undefined,
    }));
    expect(has).toEqual(RELEASES.map((r) => ({ release: r.version, has: atLeast(r.version, '0.68.0') })));
    expect(MINIMUM_OPERATOR_VERSION).toBe('0.68.0');
  });
});

/** The variants written for every declared version. */
const VARIANTS: Array<[string, RavenPrometheusProps]> = [
  ['defaults (DNS-free, edge only, node-exporter pods, kubelet)', {}],
  ['node discovery, every node', { nodeExporterDiscovery: TargetDiscovery.nodes(), nodes: NodeSelection.all() }],
  ['node discovery, edge only', { nodeExporterDiscovery: TargetDiscovery.nodes() }],
  ['pods in named namespaces', { nodeExporterDiscovery: TargetDiscovery.pods({ podLabels: { app: 'ne' }, namespaces: ['monitoring'] }) }],
  ['by node name, every node, no node-exporter', { addressing: NodeAddressing.nodeName(), nodes: NodeSelection.all(), nodeExporter: false }],
  ['an extra HTTPS exporter on pods', {
    // The token path (authorization on the kubelet and the exporter) is what older CRDs are checked for here.
    sendServiceAccountTokenToNodes: true,
    nodes: NodeSelection.all(),
    nodeExporterDiscovery: TargetDiscovery.nodes(),
    extraScrapes: [{ name: 'app', port: 8443, scheme: ScrapeScheme.HTTPS, authenticate: true, discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }) }],
  }],
];

function synthesize(props: RavenPrometheusProps, declared: string): { manifests?: any[]; error?: string } {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'v', { namespace: 'monitoring' });
  try {
    new RavenPrometheus(chart, 'raven', { release: 'kps', ...props, versions: { prometheusOperator: declared } });
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { manifests: chart.toJson().filter((m) => m.kind === 'ScrapeConfig') };
}

/** Per declared version and variant: written, or the version the refusal asks for. */
const OUTCOMES = new Map<string, string[]>();
afterAll(() => {
  const lines = [...OUTCOMES].map(([declared, outcomes]) => `  ${declared.padEnd(8)} ${outcomes.join(' | ')}`);
  process.stderr.write(`declared version: ${VARIANTS.map(([name]) => name).join(' | ')}\n${lines.join('\n')}\n`);
});

describe.each(RELEASES.flatMap((r) => r.declared.map((declared) => [declared, r] as const)))('declared prometheus-operator %s', (declared, release) => {
  const supported = atLeast(declared, MINIMUM_OPERATOR_VERSION);

  test.each(VARIANTS)('GIVEN %s WHEN synthesized THEN it writes only fields of the release\'s CRD, which accepts it, or it is refused with the reason', (_name, props) => {
    const { manifests, error } = synthesize(props, declared);
    const outcome = error === undefined ? 'written' : `refused (needs ${/needs prometheus-operator (v[\d.]+)/.exec(error)?.[1]})`;
    OUTCOMES.set(declared, [...(OUTCOMES.get(declared) ?? []), outcome]);
    if (error !== undefined) {
      // Refused: for a version below a gate the written spec would need, and saying so.
      expect(error).toMatch(new RegExp(`needs prometheus-operator v0\\.\\d+\\.\\d+ or later, but versions\\.prometheusOperator is '${declared}'`));
      const needed = /needs prometheus-operator v(\d+\.\d+\.\d+)/.exec(error)![1];
      expect(atLeast(declared, needed)).toBe(false);
      return;
    }
    expect(supported).toBe(true);
    expect(manifests!.length).toBeGreaterThan(0);
    const root = v1alpha1Schema(release.crd);
    for (const m of manifests!) {
      const unknown = [...writtenPaths(m.spec, 'spec', new Set())].filter((p) => schemaAt(root, p) === undefined);
      expect({ name: m.metadata.name, unknown }).toEqual({ name: m.metadata.name, unknown: [] });
      expect({ name: m.metadata.name, errors: crdErrors(release.crd, m) }).toEqual({ name: m.metadata.name, errors: [] });
    }
  });
});

describe('what each release refuses', () => {
  function refusal(props: RavenPrometheusProps, declared: string): string | undefined {
    return synthesize(props, declared).error;
  }

  test('GIVEN v0.67.1 WHEN any scrape is written THEN it is refused: v0.67 renders Kubernetes discovery empty', () => {
    expect(refusal({ nodes: NodeSelection.all(), nodeExporterDiscovery: TargetDiscovery.nodes() }, '0.67.1')).toContain(
      'NodeExporterScrape: a ScrapeConfig with Kubernetes discovery needs prometheus-operator v0.68.0 or later, but versions.prometheusOperator is \'0.67.1\'. '
      + 'v0.67 renders a ScrapeConfig\'s kubernetesSDConfigs as an empty kubernetes_sd_configs (Prometheus discovers no target), '
      + 'and v0.66 and earlier have no kubernetesSDConfigs. Upgrade prometheus-operator.');
  });

  test('GIVEN v0.68.0 and edge-only node selection WHEN written THEN the selector is refused with the way out', () => {
    expect(refusal({ nodeExporterDiscovery: TargetDiscovery.nodes() }, '0.68.0')).toMatch(
      /^NodeExporterScrape: a Kubernetes discovery selector \(spec\.kubernetesSDConfigs\[\]\.selectors.*needs prometheus-operator v0\.69\.0 or later, but versions\.prometheusOperator is '0\.68\.0'\. Use TargetDiscovery\.nodes\(\) with NodeSelection\.all\(\)/);
  });

  test('GIVEN v0.69.1 and pod discovery WHEN written THEN pod discovery is refused, naming its node metadata (v0.71) first', () => {
    expect(refusal({}, '0.69.1')).toMatch(
      /^NodeExporterScrape: node metadata on pod targets .* needs prometheus-operator v0\.71\.0 or later, but versions\.prometheusOperator is '0\.69\.1'\. Use TargetDiscovery\.nodes\(\)/);
  });

  test('GIVEN v0.70.0 and pods without node metadata WHEN written THEN they are written with role Pod', () => {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'v', { namespace: 'monitoring' });
    const scrape = new EdgeNodeScrape(chart, 'pods', {
      port: 9100, discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }), keepNodeLabels: false, versions: { prometheusOperator: '0.70.0' },
    });
    expect(scrape.toJson().spec.kubernetesSDConfigs).toEqual([{ role: 'Pod', selectors: [{ label: 'app=x', role: 'Pod' }] }]);
    expect(() => new EdgeNodeScrape(chart, 'pods69', {
      port: 9100, discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }), keepNodeLabels: false, versions: { prometheusOperator: '0.69.1' },
    })).toThrow(/^EdgeNodeScrape: pod discovery \(role Pod, .*needs prometheus-operator v0\.70\.0 or later, but versions\.prometheusOperator is '0\.69\.1'/);
  });

  test('GIVEN v0.70.0 and pod discovery in named namespaces WHEN written THEN the namespaces are refused (v0.71)', () => {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'v', { namespace: 'monitoring' });
    expect(() => new EdgeNodeScrape(chart, 'pods', {
      port: 9100,
      discovery: TargetDiscovery.pods({ podLabels: { app: 'x' }, namespaces: ['monitoring'] }),
      keepNodeLabels: false,
      versions: { prometheusOperator: '0.70.0' },
    })).toThrow(/^EdgeNodeScrape: the namespaces of pod discovery .*needs prometheus-operator v0\.71\.0 or later, but versions\.prometheusOperator is '0\.70\.0'\. Give TargetDiscovery\.pods\(\) no namespaces/);
  });

  test('GIVEN v0.68.0, every node, node discovery WHEN the whole stack is written THEN kubelet metric relabelings and all are accepted', () => {
    const { manifests, error } = synthesize({ nodes: NodeSelection.all(), nodeExporterDiscovery: TargetDiscovery.nodes() }, '0.68.0');
    expect(error).toBeUndefined();
    expect(manifests!.map((m) => m.metadata.name)).toEqual(['node-exporter-raven', 'kubelet-raven-metrics', 'kubelet-raven-cadvisor', 'kubelet-raven-probes']);
    expect(manifests!.find((m) => m.metadata.name === 'kubelet-raven-cadvisor').spec.metricRelabelings.length).toBeGreaterThan(0);
  });

  test('GIVEN a single KubeletScrape and v0.69.1 WHEN edge-only THEN its selector is accepted', () => {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'v', { namespace: 'monitoring' });
    new KubeletScrape(chart, 'k', { nodes: NodeSelection.edgeOnly(), bearerToken: BearerToken.fromSecret('t'), versions: { prometheusOperator: '0.69.1' } });
    const scrapes = chart.toJson().filter((m) => m.kind === 'ScrapeConfig');
    expect(scrapes.every((s) => s.spec.kubernetesSDConfigs[0].selectors[0].label === 'openyurt.io/is-edge-worker=true')).toBe(true);
  });
});

/**
 * The PrometheusRule of the edge alerts uses only fields every supported release's CRD has:
 * checked against the PrometheusRule CRD of the oldest supported release (v0.68.0) and of the
 * current one (v0.93.1), each from its Go module.
 */
describe('the PrometheusRule is accepted by every supported release', () => {
  const RULE_RELEASES: Array<[string, string]> = [['0.68.0', 'prometheusrules-crd-v0.68.0'], ['0.93.1', 'prometheusrules-crd']];
  const v1Schema = (crd: string): any => loadCrd(crd).spec.versions.find((v: any) => v.name === 'v1').schema.openAPIV3Schema;
  // The CRD's `(?i)` patterns (fields the library never writes) are Go-only: left out of the check.
  const jsSchema = (schema: any): any => JSON.parse(JSON.stringify(schema), (key, value) => (key === 'pattern' && /\(\?[a-z]+\)/.test(value) ? undefined : value));

  test.each(RULE_RELEASES)('GIVEN prometheus-operator %s WHEN the stack writes its alert rules THEN the CRD has every field and accepts them', (declared, crd) => {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'v', { namespace: 'monitoring' });
    new RavenPrometheus(chart, 'raven', {
      release: 'kps', nodes: NodeSelection.all(), nodeExporterDiscovery: TargetDiscovery.nodes(), versions: { prometheusOperator: declared },
    });
    const rules = chart.toJson().filter((m) => m.kind === 'PrometheusRule');
    expect(rules).toHaveLength(1);
    const root = v1Schema(crd);
    const unknown = [...writtenPaths(rules[0].spec, 'spec', new Set())]
      // Map keys of labels and annotations are data, not fields.
      .filter((p) => !/\.(labels|annotations)\.[^.]+$/.test(p))
      .filter((p) => schemaAt(root, p) === undefined);
    expect(unknown).toEqual([]);
    const validate = ajv.compile(jsSchema(root));
    expect(validate(rules[0]) ? [] : validate.errors).toEqual([]);
  });

  test('GIVEN the v0.68.0 CRD WHEN a field it lacks is written THEN the check above finds it', () => {
    expect(schemaAt(v1Schema('prometheusrules-crd-v0.68.0'), 'spec.groups[].rules[].for')).toBeDefined();
    expect(schemaAt(v1Schema('prometheusrules-crd-v0.68.0'), 'spec.groups[].rules[].notAField')).toBeUndefined();
  });
});
