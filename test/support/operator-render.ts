import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { upstreamProgram } from './upstream';

/**
 * prometheus-operator's own rendering, through `operator-render` (upstream/operator-render, built
 * from the pinned operator module by the upstream toolchain): the API server's defaulting and schema
 * check with the operator's CRDs, the operator's acceptance checks (ResourceSelector's
 * SelectServiceMonitors, SelectPodMonitors and SelectScrapeConfigs, Secrets read through its asset
 * store), then ConfigGenerator.GenerateServerConfiguration for a Prometheus that selects every
 * ScrapeConfig, ServiceMonitor and PodMonitor given.
 */

/** What the operator renders for. */
export interface OperatorRenderOptions {
  /** spec.version of the Prometheus resource, e.g. `v2.45.0`; default: the operator's default. */
  readonly prometheusVersion?: string;
  /** spec.shards of the Prometheus resource; default: unset (one shard). */
  readonly shards?: number;
  /** Leave out the `kube-root-ca.crt` ConfigMaps every namespace has (see `withRootCaConfigMaps`). */
  readonly withoutRootCa?: boolean;
}

/** A self-signed CA certificate (test/fixtures/cluster-root-ca.crt, made with openssl for these tests). */
export const FIXTURE_ROOT_CA = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cluster-root-ca.crt'), 'utf8');

/**
 * The manifests, plus the `kube-root-ca.crt` ConfigMap (key `ca.crt`) in every namespace they use,
 * as Kubernetes publishes it (kube-controller-manager's root-ca-cert-publisher, 1.21 and later),
 * unless the manifests carry one: the library's kubelet scrapes verify Raven's proxy with it.
 */
export function withRootCaConfigMaps(manifests: any[], caPem: string = FIXTURE_ROOT_CA): any[] {
  const namespaces = new Set<string>(manifests.map((m) => m?.metadata?.namespace).filter((n): n is string => typeof n === 'string'));
  const present = new Set(manifests.filter((m) => m?.kind === 'ConfigMap' && m.metadata?.name === 'kube-root-ca.crt').map((m) => m.metadata.namespace));
  const added = [...namespaces].filter((n) => !present.has(n)).sort().map((namespace) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace }, data: { 'ca.crt': caPem },
  }));
  return [...added, ...manifests];
}

/** The outcome of one run. */
export interface OperatorRenderResult {
  /** Exit 0: every object accepted, the configuration generated. */
  readonly ok: boolean;
  readonly status: number | null;
  /** The generated prometheus.yml (empty unless ok). */
  readonly stdout: string;
  /** One line per rejection (`<Kind> <ns>/<name>: <reason>`, e.g. `ServiceMonitor monitoring/x: ...`), and the operator's warnings. */
  readonly stderr: string;
  /** stdout parsed, keys in the operator's order; undefined unless ok. */
  readonly config?: any;
  /** `scrape_configs` of the generated configuration; empty unless ok. */
  readonly scrapeConfigs: any[];
}

/**
 * Runs the operator's code on manifests (ScrapeConfigs, ServiceMonitors, PodMonitors, the Secrets
 * and ConfigMaps they reference; other kinds are ignored, so a chart's whole output may be passed).
 */
export function operatorRender(manifests: any[], options: OperatorRenderOptions = {}): OperatorRenderResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-operator-render-'));
  try {
    const file = path.join(dir, 'manifests.yaml');
    const objects = options.withoutRootCa ? manifests : withRootCaConfigMaps(manifests);
    // JSON documents (JSON is YAML): far faster to write and to read than YAML for large inputs.
    fs.writeFileSync(file, objects.map((m) => JSON.stringify(m)).join('\n---\n'));
    const args: string[] = [];
    if (options.prometheusVersion !== undefined) args.push('--prometheus-version', options.prometheusVersion);
    if (options.shards !== undefined) args.push('--shards', String(options.shards));
    args.push(file);
    const result = spawnSync(upstreamProgram('operator-render'), args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    if (result.error) throw result.error;
    const ok = result.status === 0;
    const config = ok ? YAML.parse(result.stdout) : undefined;
    return { ok, status: result.status, stdout: result.stdout, stderr: result.stderr, config, scrapeConfigs: config?.scrape_configs ?? [] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The manifests as the cluster holds them once Kubernetes' token controller has filled every
 * `kubernetes.io/service-account-token` Secret (`token`, `ca.crt`, `namespace`); everything else as is.
 */
export function withFilledTokenSecrets(manifests: any[], token: string): any[] {
  return manifests.map((m) => (m.kind === 'Secret' && m.type === 'kubernetes.io/service-account-token'
    ? {
      ...m,
      data: {
        ...(m.data ?? {}),
        'token': Buffer.from(token).toString('base64'),
        'ca.crt': Buffer.from('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n').toString('base64'),
        'namespace': Buffer.from(m.metadata.namespace).toString('base64'),
      },
    }
    : m));
}

/**
 * A value with every object turned into its list of [key, value] pairs, recursively: `toEqual` on
 * two of these compares key order too, and a failure shows where the order differs.
 */
export function ordered(value: any): any {
  if (Array.isArray(value)) return value.map(ordered);
  if (value !== null && typeof value === 'object') return Object.entries(value).map(([k, v]) => [k, ordered(v)]);
  return value;
}

/** Kubernetes objects the shards discover: Nodes and Pods as the API server returns them. */
export interface ClusterObjects {
  readonly nodes: any[];
  readonly pods: any[];
}

/** Per job: the targets discovered, and the label sets (after relabeling) each shard keeps. */
export interface ShardTargets {
  readonly [job: string]: { readonly discovered: number; readonly shards: Array<Array<{ [label: string]: string }>> };
}

/**
 * Which targets each shard of a Prometheus with `spec.shards` keeps, computed by `shard-targets`
 * (upstream/operator-render/shard-targets, Prometheus's own discovery, configuration loading and
 * relabeling code) from a configuration the operator generated for those shards.
 */
export function shardTargets(prometheusYml: string, cluster: ClusterObjects, shards: number): ShardTargets {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-shard-targets-'));
  try {
    const config = path.join(dir, 'prometheus.yml');
    const objects = path.join(dir, 'cluster.json');
    fs.writeFileSync(config, prometheusYml);
    fs.writeFileSync(objects, JSON.stringify(cluster));
    const result = spawnSync(upstreamProgram('shard-targets'), ['--shards', String(shards), config, objects],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`shard-targets failed (exit ${result.status}): ${result.stderr}`);
    return JSON.parse(result.stdout).jobs;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
