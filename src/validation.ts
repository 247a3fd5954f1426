import { Duration } from 'cdk8s';

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
  const got = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  throw new Error(`${owner}: '${prop}' must be ${allowed}, got ${got}.${fix ? ` ${fix}` : ''}`);
}

/** An RFC 1123 label: namespaces, Service and most object names. */
export function checkDnsLabel(owner: string, prop: string, value: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    invalid(owner, prop, value, 'an RFC 1123 label (at most 63 characters of a-z, 0-9 and \'-\', starting and ending with a letter or digit)');
  }
  return value;
}

/** An RFC 1123 subdomain: names of ConfigMaps, Secrets, ScrapeConfigs, Deployments. */
export function checkDnsSubdomain(owner: string, prop: string, value: string): string {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    invalid(owner, prop, value, 'an RFC 1123 subdomain (at most 253 characters of a-z, 0-9, \'-\' and \'.\', each part starting and ending with a letter or digit)');
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
  if (!PROMETHEUS_LABEL_NAME.test(value)) {
    invalid(owner, prop, value, 'a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]*');
  }
  return value;
}

/** A ConfigMap or Secret data key. */
export function checkDataKey(owner: string, prop: string, key: string): string {
  if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) {
    invalid(owner, prop, key, 'a data key of at most 253 alphanumerics, \'-\', \'_\' and \'.\'');
  }
  return key;
}

/** A container image reference. */
export function checkImage(owner: string, prop: string, value: string): string {
  if (value.trim() === '' || /\s/.test(value)) {
    invalid(owner, prop, value, 'a container image reference without spaces');
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
  if (!value.startsWith('/') || /[\s?#]/.test(value)) {
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
