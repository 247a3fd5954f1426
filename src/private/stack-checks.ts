import { Duration } from 'cdk8s';
import { checkKnownProps } from './known-props';
import { checkDnsSubdomain, checkHttpPath, checkPort, invalid } from './validation';

/**
 * Checks across the props of `RavenPrometheus` that no single prop's check sees: props that
 * contradict each other (one would be silently ignored), the same target scraped under two jobs,
 * and a stack that scrapes nothing. Run before anything is built, so that each refusal names the
 * prop the user set rather than one the library derived from it.
 */

/** The props these checks read: a structural subset of `RavenPrometheusProps`. */
export interface StackCheckProps {
  readonly release?: string;
  readonly scrapeConfigLabels?: { [key: string]: string };
  readonly scrapeInterval?: Duration;
  readonly cadvisorInterval?: Duration;
  readonly nodeExporter?: boolean;
  readonly nodeExporterPort?: number;
  readonly kubeletEndpoints?: ReadonlyArray<{ readonly path: string }>;
  readonly extraScrapes?: ReadonlyArray<{ readonly name: string; readonly port: number; readonly metricsPath?: string; readonly jobLabel?: string }>;
  readonly tokenSecretName?: string;
}

const KUBELET_PORT = 10250;
const DEFAULT_KUBELET_PATHS = ['/metrics', '/metrics/cadvisor', '/metrics/probes'];

export function checkStackProps(owner: string, props: StackCheckProps): void {
  checkKnownProps(owner, 'props', props, 'RavenPrometheusProps');
  (props.extraScrapes ?? []).forEach((extra, i) => checkKnownProps(owner, `extraScrapes[${i}]`, extra, 'ExtraEdgeScrape'));
  const release = props.scrapeConfigLabels?.release;
  if (props.release !== undefined && release !== undefined && release !== props.release) {
    invalid(owner, 'scrapeConfigLabels.release', release, `unset, or equal to release ('${props.release}')`,
      'The release prop writes the release label itself; two values would leave one of them unused. Drop it from scrapeConfigLabels.');
  }
  checkCadvisorInterval(owner, props.scrapeInterval, props.cadvisorInterval);
  // Checked here, so that the refusal names the prop set rather than the objects built from it.
  if (props.tokenSecretName !== undefined) checkDnsSubdomain(owner, 'tokenSecretName', props.tokenSecretName);
  if (props.nodeExporterPort !== undefined) checkPort(owner, 'nodeExporterPort', props.nodeExporterPort);
  (props.extraScrapes ?? []).forEach((extra, i) => {
    if (extra === null || typeof extra !== 'object') return; // refused by the type checks
    checkPort(owner, `extraScrapes[${i}].port`, extra.port);
    checkDnsSubdomain(owner, `extraScrapes[${i}].name`, extra.name);
    if (extra.metricsPath !== undefined) checkHttpPath(owner, `extraScrapes[${i}].metricsPath`, extra.metricsPath);
    if (extra.jobLabel !== undefined) checkJobLabel(owner, `extraScrapes[${i}].jobLabel`, extra.jobLabel);
  });

  const nodeExporter = props.nodeExporter ?? true;
  const kubeletPaths = props.kubeletEndpoints === undefined ? DEFAULT_KUBELET_PATHS : props.kubeletEndpoints.map((e) => e.path);
  const extras = props.extraScrapes ?? [];
  const repeated = kubeletPaths.find((path, i) => kubeletPaths.indexOf(path) !== i);
  if (repeated !== undefined) {
    invalid(owner, 'kubeletEndpoints', kubeletPaths, `a list without repeated paths ('${repeated}' is there twice)`,
      'Each path is one target per node: scraped by two ScrapeConfigs, every series would be stored twice.');
  }
  if (!nodeExporter && kubeletPaths.length === 0 && extras.length === 0) {
    invalid(owner, 'kubeletEndpoints', [], 'at least one endpoint when nodeExporter is false and there are no extraScrapes',
      'The stack would scrape nothing. Keep node-exporter (nodeExporter: true), a kubelet endpoint, or add an extra scrape.');
  }
  const nodeExporterPort = props.nodeExporterPort ?? 9100;
  if (nodeExporter && kubeletPaths.length > 0 && nodeExporterPort === KUBELET_PORT) {
    invalid(owner, 'nodeExporterPort', nodeExporterPort, `a port other than the kubelet's (${KUBELET_PORT})`,
      'node-exporter listens on 9100 unless its chart sets another port (prometheus-node-exporter.service.port).');
  }

  // Each (port, path) is one target per node: scraped by two jobs, every series is stored twice.
  const owners = new Map<string, string>();
  if (nodeExporter) owners.set(`${nodeExporterPort} /metrics`, `node-exporter (port ${nodeExporterPort}, /metrics)`);
  for (const path of kubeletPaths) owners.set(`${KUBELET_PORT} ${path}`, `the kubelet endpoint ${path} (port ${KUBELET_PORT})`);
  extras.forEach((extra, i) => {
    if (extra === null || typeof extra !== 'object') return; // refused by the type checks
    const key = `${extra.port} ${extra.metricsPath ?? '/metrics'}`;
    const first = owners.get(key);
    if (first !== undefined) {
      invalid(owner, `extraScrapes[${i}].port`, extra.port, `a port and metricsPath no other scrape of the stack scrapes (${first} already does)`,
        'The same target scraped by two jobs stores every series twice. Drop the extra scrape, or scrape another port or path.');
    }
    owners.set(key, `extraScrapes[${i}] ('${extra.name}')`);
  });
}

/** `cadvisorInterval` only applies when `scrapeInterval` is not set: both set, one would be ignored. */
export function checkCadvisorInterval(owner: string, scrapeInterval: Duration | undefined, cadvisorInterval: Duration | undefined): void {
  if (scrapeInterval !== undefined && cadvisorInterval !== undefined) {
    invalid(owner, 'cadvisorInterval', `${cadvisorInterval.toMilliseconds({ integral: false })}ms`, 'unset when scrapeInterval is set',
      'scrapeInterval applies to every endpoint, cAdvisor\'s included; drop one of the two.');
  }
}

/**
 * What the user must still do when the stack writes no Gateway and was not told the ports are
 * declared elsewhere: the Raven Gateway proxies only the ports it declares, and a scrape on any
 * other port times out.
 */
export function gatewayPortsWarning(portsHandled: boolean, httpPorts: number[], httpsPorts: number[]): string[] {
  if (portsHandled || httpPorts.length + httpsPorts.length === 0) return [];
  const list = (ports: number[]): string => (ports.length > 0 ? [...new Set(ports)].join(', ') : 'none');
  return [`no gateway was given, so the cloud Raven Gateway's proxy ports are not written: add HTTP port(s) ${list(httpPorts)} `
    + `to spec.proxyConfig.proxyHTTPPort and HTTPS port(s) ${list(httpsPorts)} to spec.proxyConfig.proxyHTTPSPort by hand, `
    + 'or pass the exported Gateway (gateway prop); set addGatewayPorts to false once the ports are declared where the Gateway is managed. Until then the proxy Service has no such port and every scrape through Raven fails.'];
}

/** Appends `items` to `list`; returns `items`. */
export function pushAll<T>(list: T[], items: T[]): T[] {
  list.push(...items);
  return items;
}

/** A `job` label value: a scrape without one would be told apart from the others by nothing. */
export function checkJobLabel(owner: string, prop: string, value: string): string {
  if (typeof value !== 'string' || value === '' || /[\n\r]/.test(value)) {
    invalid(owner, prop, value, 'a non-empty label value on one line', 'The job label tells the scrape\'s series apart; leave it unset for the default.');
  }
  return value;
}
