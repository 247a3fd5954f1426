import { isIP } from 'net';
import { Chart, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Shared input checks. Every failure names the construct, the prop, the value received,
 * what is allowed and, where it helps, how to fix it.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws the library's standard validation error. */
export function invalid(owner: string, prop: string, value: unknown, allowed: string, fix?: string): never {
  throw new Error(`${owner}: '${prop}' must be ${allowed}, got ${describeValue(value)}.${fix ? ` ${fix}` : ''}`);
}

/**
 * A value as an error message shows it: strings quoted, instances of a class by their class
 * (`a NodeAddressing`), anything else as JSON.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `a function${value.name ? ` '${value.name}'` : ''}`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const ctor = Object.getPrototypeOf(value)?.constructor;
    if (typeof ctor === 'function' && ctor !== Object && ctor.name) return `a ${ctor.name}`;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = String(value); // circular, or a BigInt
  }
  return json === undefined ? String(value) : json.length > 120 ? `${json.slice(0, 117)}...` : json;
}

/** A class of the library whose instances come from its static factories and constants. */
interface LibraryClass {
  readonly name: string;
  readonly prototype: object;
}

/** `NodeSelection.all(), NodeSelection.edgeOnly() or NodeSelection.withLabels(...)`: what a prop of this class takes. */
function factoriesOf(cls: LibraryClass): string {
  const names = Object.getOwnPropertyNames(cls).filter((n) => !['length', 'name', 'prototype'].includes(n) && !n.startsWith('_'));
  const members = [
    // Constants first (KubeletEndpoint.METRICS), then factories (NodeSelection.withLabels(...)).
    ...names.filter((n) => (cls as any)[n] instanceof (cls as any)).map((n) => `${cls.name}.${n}`),
    ...names.filter((n) => typeof (cls as any)[n] === 'function').map((n) => `${cls.name}.${n}(${(cls as any)[n].length === 0 ? '' : '...'})`),
  ];
  return members.length <= 1 ? members.join('') : `${members.slice(0, -1).join(', ')} or ${members[members.length - 1]}`;
}

/**
 * Checks, at run time, that a prop holds an instance of one of the library's classes: from plain
 * JavaScript, or from values read from a file, anything can arrive (`nodes: 'edge'`). Undefined
 * passes (the prop's default applies).
 */
export function checkInstance<T>(owner: string, prop: string, value: T | undefined, cls: LibraryClass): T | undefined {
  if (value === undefined || value instanceof (cls as any)) return value;
  const allowed = `a ${cls.name} (${factoriesOf(cls)})`;
  const ctor = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value)?.constructor : undefined;
  if (ctor?.name === cls.name) {
    invalid(owner, prop, value, `${allowed} of this copy of cdk8s-raven-prometheus`,
      'It was made by another copy of the library loaded in the same app; make the app load one (npm ls cdk8s-raven-prometheus).');
  }
  invalid(owner, prop, value, allowed);
}

/** Checks a prop holds a list of instances of one of the library's classes. */
export function checkInstances<T>(owner: string, prop: string, value: T[] | undefined, cls: LibraryClass): T[] | undefined {
  if (value === undefined) return value;
  if (!Array.isArray(value)) invalid(owner, prop, value, `a list of ${cls.name} (${factoriesOf(cls)})`);
  value.forEach((item, i) => checkInstance(owner, `${prop}[${i}]`, item, cls));
  return value;
}

/** Checks a prop holds one of the values of a string enum of the library. */
export function checkEnumValue<T extends string>(
  owner: string, prop: string, value: T | undefined, values: { [key: string]: string }, enumName: string,
): T | undefined {
  if (value === undefined || Object.values(values).includes(value)) return value;
  const allowed = Object.entries(values).map(([k, v]) => `${enumName}.${k} ('${v}')`);
  invalid(owner, prop, value, `one of ${allowed.join(', ')}`);
}

/** Checks a prop holds a cdk8s `Duration`. */
export function checkDuration(owner: string, prop: string, value: Duration | undefined): Duration | undefined {
  if (value === undefined || value instanceof Duration || typeof (value as any)?.toMilliseconds === 'function') return value;
  invalid(owner, prop, value, 'a cdk8s Duration such as Duration.seconds(30)');
}

/** Checks a prop holds a boolean. */
export function checkBoolean(owner: string, prop: string, value: boolean | undefined): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  invalid(owner, prop, value, 'true or false');
}

/** Checks a prop holds an object (a struct, a map or an exported manifest), not a list or a scalar. */
export function checkObject<T>(owner: string, prop: string, value: T | undefined, what: string): T | undefined {
  if (value !== null && typeof (value as any)?.toJson === 'function') {
    // A cdk8s ApiObject (or a construct) where its JSON belongs: its fields are not the manifest's.
    invalid(owner, prop, value, `${what}, as plain JSON`, 'Pass its toJson() (or the object exported from the cluster).');
  }
  if (value === undefined || (value !== null && typeof value === 'object' && !Array.isArray(value))) return value;
  invalid(owner, prop, value, what);
}

/** Checks a prop holds a list. */
export function checkList<T>(owner: string, prop: string, value: T[] | undefined, what: string): T[] | undefined {
  if (value === undefined || Array.isArray(value)) return value;
  invalid(owner, prop, value, what);
}

const IN_CHART = Symbol.for('cdk8s-raven-prometheus.inChart');

/**
 * Runs a construct's checks and rendering so that any error names where it comes from: the
 * construct's path and its chart. With one chart per cluster, `RavenPrometheus: 'release' must
 * be ...` alone does not say which cluster's input is wrong.
 */
export function inChart<T>(scope: IConstruct, id: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    throw withChartContext(scope, id, e);
  }
}

/** The error `e`, thrown while building construct `id` in `scope`, with its chart and path after its message (once). */
export function withChartContext(scope: IConstruct, id: string, e: unknown): unknown {
  if (!(e instanceof Error) || (e as any)[IN_CHART]) return e;
  const path = [scope.node.path, id].filter((p) => p !== '').join('/');
  let chart: string | undefined;
  try {
    chart = Chart.of(scope).node.path;
  } catch {
    chart = undefined;
  }
  const before = e.message;
  // V8 writes the stack's first line when the stack is first read, with the message of that
  // moment: read it before the message changes, or the suffix would appear there twice.
  const stack = e.stack;
  e.message = `${before} (${chart !== undefined ? `in chart '${chart}', ` : ''}at ${path})`;
  if (typeof stack === 'string') e.stack = stack.replace(before, e.message);
  Object.defineProperty(e, IN_CHART, { value: true });
  return e;
}

/**
 * Records warnings on a construct (node metadata of type `warning`, as aws-cdk's annotations do)
 * and prints each once, on stderr, when the app is synthesized: cdk8s has no warning channel of
 * its own, and a warning only in the construct tree is one nobody reads.
 */
export function addWarnings(construct: IConstruct, warnings: string[]): void {
  if (warnings.length === 0) return;
  for (const warning of warnings) construct.node.addMetadata('warning', warning);
  let printed = false;
  construct.node.addValidation({
    validate: () => {
      if (!printed) {
        printed = true;
        for (const warning of warnings) process.stderr.write(`Warning: ${construct.node.path}: ${warning}\n`);
      }
      return [];
    },
  });
}

/** An RFC 1123 label: namespaces, Service and most object names. */
export function checkDnsLabel(owner: string, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    invalid(owner, prop, value, 'an RFC 1123 label (at most 63 characters of a-z, 0-9 and \'-\', starting and ending with a letter or digit)');
  }
  return value;
}

/** An RFC 1123 subdomain: names of ConfigMaps, Secrets, ScrapeConfigs, Deployments. */
export function checkDnsSubdomain(owner: string, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    invalid(owner, prop, value, 'an RFC 1123 subdomain (at most 253 characters of a-z, 0-9, \'-\' and \'.\', each part starting and ending with a letter or digit)');
  }
  return value;
}

/**
 * A TLS server name: a DNS name, or an IP address (Go's TLS client then verifies the certificate's
 * IP SANs, as for the Raven proxy Service's ClusterIP, and sends no SNI).
 */
export function checkServerName(owner: string, prop: string, value: string): string {
  if (typeof value === 'string' && isIP(value) !== 0) {
    return value;
  }
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    invalid(owner, prop, value, 'an RFC 1123 subdomain (at most 253 characters of a-z, 0-9, \'-\' and \'.\', each part starting and ending with a letter or digit) '
      + 'or an IP address without brackets (e.g. 10.96.100.10, fd00:10:96::a)');
  }
  return value;
}

/** Kubernetes label keys and values (metadata.labels, selectors). */
export function checkKubernetesLabels(owner: string, prop: string, labels: { [key: string]: string } | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || name.length > 63 || !LABEL_NAME.test(name)) {
      invalid(owner, `${prop}`, key, 'a Kubernetes label key ([prefix/]name, name at most 63 characters of alphanumerics, \'-\', \'_\' and \'.\')');
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      invalid(owner, `${prop}.${key}`, value, 'a Kubernetes label value (empty, or at most 63 characters of alphanumerics, \'-\', \'_\' and \'.\', starting and ending with an alphanumeric)');
    }
  }
}

/** A Prometheus label name as relabeling writes it. */
export function checkPrometheusLabelName(owner: string, prop: string, value: string): string {
  if (typeof value !== 'string' || !PROMETHEUS_LABEL_NAME.test(value)) {
    invalid(owner, prop, value, 'a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]*');
  }
  return value;
}

/** A ConfigMap or Secret data key. */
export function checkDataKey(owner: string, prop: string, key: string): string {
  if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) {
    invalid(owner, prop, key, 'a data key of at most 253 alphanumerics, \'-\', \'_\' and \'.\'');
  }
  return key;
}

const IMAGE_DOMAIN = '(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?';
const IMAGE_PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/**
 * An image reference as the kubelet parses it (the grammar of github.com/distribution/reference):
 * `[registry[:port]/]path[:tag][@digest]`, the path in lower case. Anything else fails to pull with
 * InvalidImageName, after the manifests were applied.
 */
const IMAGE_REFERENCE = new RegExp(`^((?:${IMAGE_DOMAIN}/)?${IMAGE_PATH_COMPONENT}(?:/${IMAGE_PATH_COMPONENT})*)`
  + '(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,})?$');

/** A container image reference. */
export function checkImage(owner: string, prop: string, value: string): string {
  const match = typeof value === 'string' ? IMAGE_REFERENCE.exec(value) : null;
  if (match === null || match[1].length > 255) {
    invalid(owner, prop, value, 'a container image reference ([registry[:port]/]repository[:tag][@sha256:digest], the repository in lower case)',
      'For example registry.k8s.io/coredns/coredns:v1.12.0: the image the cluster\'s CoreDNS runs.');
  }
  return value;
}

/** The replica count of a DNS server. */
export function checkReplicas(owner: string, prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    invalid(owner, prop, value, 'a whole number of at least 1', 'Cluster DNS needs at least one pod.');
  }
  return value;
}

/** A TCP port. */
export function checkPort(owner: string, prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    invalid(owner, prop, value, 'an integer between 1 and 65535');
  }
  return value;
}

/** An HTTP path as Prometheus' metrics_path takes it. */
export function checkHttpPath(owner: string, prop: string, value: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\s?#]/.test(value)) {
    invalid(owner, prop, value, 'an absolute HTTP path starting with \'/\' without spaces, query or fragment', 'For example \'/metrics\'.');
  }
  return value;
}

/**
 * Renders a cdk8s Duration the way Prometheus writes durations (`1m30s`, `500ms`),
 * matching the CRD's pattern. Sub-millisecond and zero durations are refused.
 */
export function toPrometheusDuration(owner: string, prop: string, value: Duration): string {
  const ms = value.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms <= 0) {
    invalid(owner, prop, `${ms}ms`, 'a positive whole number of milliseconds', 'For example Duration.seconds(30).');
  }
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/**
 * Checks the pair Prometheus checks at config load: a scrape timeout longer than the
 * interval makes Prometheus refuse the whole configuration.
 */
export function checkIntervalAndTimeout(owner: string, interval: Duration | undefined, timeout: Duration | undefined): void {
  if (interval && timeout && timeout.toMilliseconds({ integral: false }) > interval.toMilliseconds({ integral: false })) {
    invalid(owner, 'scrapeTimeout', toPrometheusDuration(owner, 'scrapeTimeout', timeout),
      `at most the scrape interval (${toPrometheusDuration(owner, 'scrapeInterval', interval)})`,
      'Prometheus rejects a scrape_timeout greater than scrape_interval; shorten the timeout or lengthen the interval.');
  }
}

/** A Service ClusterIP, as `dnsConfig.nameservers` takes it: an IPv4 or IPv6 address. */
export function checkClusterIp(owner: string, prop: string, value: string): string {
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  const v6 = /^[0-9a-fA-F:]+$/;
  const isV6 = typeof value === 'string' && v6.test(value) && value.includes(':') && (value.match(/::/g) ?? []).length <= 1 && value.split(':').length <= 8;
  if (typeof value !== 'string' || (!v4.test(value) && !isV6) || value === '0.0.0.0') {
    invalid(owner, prop, value, 'an IPv4 or IPv6 address from the cluster\'s Service CIDR', 'dnsConfig.nameservers only takes IP addresses.');
  }
  return value;
}

/** The most a ConfigMap's or Secret's data may hold in all (k8s.io/kubernetes pkg/apis/core/validation: MaxSecretSize, 1 MiB). */
export const MAX_DATA_BYTES = 1024 * 1024;

/**
 * Refuses data the API server would refuse: the values of a ConfigMap or Secret together over 1 MiB
 * (`Too long: must have at most 1048576 bytes`), only found on apply. `prop` is the prop that fills it.
 */
export function checkDataSize(owner: string, prop: string, what: string, data: { [key: string]: string }): void {
  const bytes = Object.values(data).reduce((sum, value) => sum + Buffer.byteLength(value, 'utf8'), 0);
  if (bytes > MAX_DATA_BYTES) {
    invalid(owner, prop, `${bytes} bytes of data in ${what}`, `at most ${MAX_DATA_BYTES} bytes (1 MiB) of data in all, the API server's limit`,
      'Kubernetes refuses a larger ConfigMap or Secret on apply; keep large files out of it.');
  }
}
