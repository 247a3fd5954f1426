import { BoundedCache } from './bounded-cache';
import { ClusterVersions } from '../versions';
import { checkKnownProps } from './known-props';

/** The versions assumed when none are declared: current releases. */
export const CURRENT_VERSIONS: Required<ClusterVersions> = {
  prometheusOperator: '0.93.0',
  raven: '0.4.4',
  openYurt: '1.7.0',
};

type Version = [number, number, number];

/** Parsed versions by their text: every scrape checks the same few. */
const PARSED = new BoundedCache<Readonly<Version>>(64);

function parseVersion(owner: string, prop: string, value: string): Readonly<Version> {
  return PARSED.get(String(value), () => {
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(value);
    if (!m) {
      throw new Error(`${owner}: 'versions.${prop}' must be a version like '0.93.0' or 'v0.93.0', got '${value}'.`);
    }
    return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  });
}

function atLeast(a: Readonly<Version>, b: Readonly<Version>): boolean {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] > b[i];
  }
  return true;
}

/** Resolved, validated versions. */
export function resolveVersions(owner: string, versions: ClusterVersions | undefined): Required<ClusterVersions> {
  checkKnownProps(owner, 'versions', versions, 'ClusterVersions');
  const resolved = { ...CURRENT_VERSIONS, ...(versions ?? {}) };
  for (const key of Object.keys(CURRENT_VERSIONS) as Array<keyof ClusterVersions>) {
    parseVersion(owner, key, resolved[key]);
  }
  return resolved;
}

const COMPONENT_NAMES: { [K in keyof ClusterVersions]-?: string } = {
  prometheusOperator: 'prometheus-operator',
  raven: 'raven',
  openYurt: 'OpenYurt',
};

/**
 * Refuses a feature that needs a newer component than the declared one, naming the feature,
 * the versions, and the way out.
 */
export function requireVersion(
  owner: string,
  versions: Required<ClusterVersions>,
  component: keyof ClusterVersions,
  minimum: string,
  feature: string,
  alternative: string,
): void {
  const declared = versions[component];
  if (!atLeast(parseVersion(owner, component, declared), parseVersion(owner, component, minimum))) {
    throw new Error(`${owner}: ${feature} needs ${COMPONENT_NAMES[component]} v${minimum.replace(/^v/, '')} or later, `
      + `but versions.${component} is '${declared}'. ${alternative}`);
  }
}

/**
 * The oldest prometheus-operator the library writes ScrapeConfigs for. v0.65 and v0.66 have no
 * `kubernetesSDConfigs`; v0.67 renders them as `kubernetes_sd_configs:` with no value
 * (pkg/prometheus/promcfg.go at v0.67.1 forgets the configs), so its Prometheus discovers nothing.
 */
export const MINIMUM_OPERATOR_VERSION = '0.68.0';

/**
 * A field of the ScrapeConfig spec (or one value of it) that the library may write, and the first
 * prometheus-operator release whose ScrapeConfig CRD has it (and whose configuration generator
 * renders it). Checked against each release's CRD by the tests.
 */
export interface ScrapeConfigFieldGate {
  /** The field's path in the manifest, `[]` for list items, e.g. `spec.kubernetesSDConfigs[].selectors`. */
  readonly path: string;
  /** Only this value of the field needs the release (an enum value added later). */
  readonly value?: string;
  /** The first release with the field, e.g. `0.69.0`. */
  readonly since: string;
  /** What the library writes it for, in the words of its props. */
  readonly feature: string;
  /** How to do without it. */
  readonly alternative: string;
}

/** Every field the library writes that the oldest supported release lacks. */
export const SCRAPE_CONFIG_FIELD_GATES: readonly ScrapeConfigFieldGate[] = [
  {
    path: 'spec.kubernetesSDConfigs[].selectors',
    since: '0.69.0',
    feature: 'a Kubernetes discovery selector (spec.kubernetesSDConfigs[].selectors, written for pod discovery and for a node selection other than NodeSelection.all())',
    alternative: 'Use TargetDiscovery.nodes() with NodeSelection.all(), or declare the version your cluster runs if it is newer.',
  },
  {
    path: 'spec.kubernetesSDConfigs[].role',
    value: 'Pod',
    since: '0.70.0',
    feature: 'pod discovery (role Pod, TargetDiscovery.pods() and nodeExporterPods())',
    alternative: 'Use TargetDiscovery.nodes(), or declare the version your cluster runs if it is newer.',
  },
  {
    path: 'spec.trackTimestampsStaleness',
    since: '0.70.0',
    feature: 'trackTimestampsStaleness',
    alternative: 'Leave trackTimestampsStaleness unset, or declare the version your cluster runs if it is newer.',
  },
  {
    path: 'spec.kubernetesSDConfigs[].attachMetadata',
    since: '0.71.0',
    feature: 'node metadata on pod targets (spec.kubernetesSDConfigs[].attachMetadata, written for node labels and node selection with pod discovery)',
    alternative: 'Use TargetDiscovery.nodes(), or declare the version your cluster runs if it is newer.',
  },
  {
    path: 'spec.kubernetesSDConfigs[].namespaces',
    since: '0.71.0',
    feature: 'the namespaces of pod discovery (TargetDiscovery.pods({ namespaces }))',
    alternative: 'Give TargetDiscovery.pods() no namespaces, or declare the version your cluster runs if it is newer.',
  },
  {
    path: 'spec.jobName',
    since: '0.75.0',
    feature: 'spec.jobName',
    alternative: 'Set the job label by relabeling, or declare the version your cluster runs if it is newer.',
  },
];

const GATES_NEWEST_FIRST = [...SCRAPE_CONFIG_FIELD_GATES].sort((a, b) => (atLeast(parseVersion('', '', a.since), parseVersion('', '', b.since)) ? -1 : 1));
/** From this release on every gated field exists: the spec need not be walked. */
const NEWEST_GATE = parseVersion('', '', GATES_NEWEST_FIRST[0].since);

/** Every (path, value) of a JSON value, lists as `[]`; a value only for strings. */
function fieldPaths(value: any, path: string, out: Map<string, Set<string>>): void {
  if (Array.isArray(value)) {
    for (const item of value) fieldPaths(item, `${path}[]`, out);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}.${key}`;
      if (!out.has(childPath)) out.set(childPath, new Set());
      if (typeof child === 'string') out.get(childPath)!.add(child);
      fieldPaths(child, childPath, out);
    }
  }
}

/**
 * Refuses a ScrapeConfig spec the declared prometheus-operator cannot take: a release older than
 * the library supports, or a field (or value) its CRD does not have yet. Strict field validation
 * would refuse such an object, and a lenient apply would silently drop the field.
 */
export function requireOperatorForScrapeConfig(owner: string, versions: Required<ClusterVersions>, spec: any): void {
  requireVersion(owner, versions, 'prometheusOperator', MINIMUM_OPERATOR_VERSION,
    'a ScrapeConfig with Kubernetes discovery',
    'v0.67 renders a ScrapeConfig\'s kubernetesSDConfigs as an empty kubernetes_sd_configs (Prometheus discovers no target), '
    + 'and v0.66 and earlier have no kubernetesSDConfigs. Upgrade prometheus-operator.');
  if (atLeast(parseVersion(owner, 'prometheusOperator', versions.prometheusOperator), NEWEST_GATE)) {
    return;
  }
  const written = new Map<string, Set<string>>();
  fieldPaths(spec, 'spec', written);
  // Newest first: its way out usually avoids the older fields too.
  for (const gate of GATES_NEWEST_FIRST) {
    const values = written.get(gate.path);
    if (values && (gate.value === undefined || values.has(gate.value))) {
      requireVersion(owner, versions, 'prometheusOperator', gate.since, gate.feature, gate.alternative);
    }
  }
}
