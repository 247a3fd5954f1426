import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { clusterOwnedAnnotations, ORIGINAL_PROXY_PORTS_ANNOTATION } from './private/applied-fields';
import { intern } from './private/bounded-cache';
import { markClusterScoped } from './private/cluster-scoped';
import { checkKnownProps } from './private/known-props';
import { checkObjectsOf, whenWrittenTwice } from './private/object-checks';
import { stripServerFields } from './private/server-fields';
import { GATEWAY_V1BETA1_GVK } from './private/typed-api-object';
import { checkDnsSubdomain, checkList, checkObject, checkPort, inChart, invalid } from './private/validation';

/**
 * Props for `RavenGatewayPorts`.
 */
export interface RavenGatewayPortsProps {
  /**
   * The cloud Gateway as exported with
   * `kubectl get gateways.raven.openyurt.io <name> -o yaml` (raven.openyurt.io/v1beta1,
   * `exposeType` PublicIP or LoadBalancer). It gives the Gateway's name and the ports it already
   * proxies; only the two proxy port fields are written back, so its endpoints (which
   * raven-agent updates) and every other field stay the cluster's.
   */
  readonly gateway: { [key: string]: any };

  /**
   * Plain-HTTP ports the proxy must forward (node-exporter's 9100, other exporters).
   *
   * @default - none
   */
  readonly httpPorts?: number[];

  /**
   * HTTPS ports the proxy must forward (the kubelet's 10250).
   *
   * @default - none
   */
  readonly httpsPorts?: number[];

  /**
   * The cluster's other exported Gateways. yurt-manager merges the ports of every exposed
   * Gateway into one proxy Service, so a port another one declares is refused.
   *
   * @default - none checked
   */
  readonly otherGateways?: { [key: string]: any }[];
}

const CLOUD_EXPOSE_TYPES = ['PublicIP', 'LoadBalancer'];

function parsePorts(owner: string, where: string, value: unknown): number[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value !== 'string') {
    invalid(owner, where, value, 'a comma-separated string of ports');
  }
  return value.split(',').map((p) => p.trim()).filter((p) => p !== '').map((p) => {
    if (!/^\d+$/.test(p)) invalid(owner, where, value, 'a comma-separated list of ports such as \'9100,9400\'');
    return checkPort(owner, where, Number(p));
  });
}

function isCloudGateway(g: any): boolean {
  return CLOUD_EXPOSE_TYPES.includes(g?.spec?.exposeType);
}

/** The Gateway's apply configuration (metadata and spec) and its port lists. */
interface RenderedGateway {
  metadata: any;
  spec: any;
  httpPorts: number[];
  httpsPorts: number[];
}

/** Checks the props and builds the Gateway's apply configuration. */
function renderGatewayPorts(props: RavenGatewayPortsProps): RenderedGateway {
  const owner = 'RavenGatewayPorts';
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    invalid(owner, 'props', props, 'the props object ({ gateway: ..., httpPorts: [...], httpsPorts: [...] })');
  }
  checkKnownProps(owner, 'props', props, 'RavenGatewayPortsProps');
  checkList(owner, 'httpPorts', props.httpPorts, 'a list of ports such as [9100]');
  checkList(owner, 'httpsPorts', props.httpsPorts, 'a list of ports such as [10250]');
  checkList(owner, 'otherGateways', props.otherGateways, 'a list of exported Gateways');
  (props.otherGateways ?? []).forEach((other, i) => checkObject(owner, `otherGateways[${i}]`, other ?? null, 'an exported Gateway as an object'));
  const { gw, name, hadHttp, hadHttps } = readCloudGateway(owner, props.gateway);

  const wantedHttp = (props.httpPorts ?? []).map((p) => checkPort(owner, 'httpPorts', p));
  const wantedHttps = (props.httpsPorts ?? []).map((p) => checkPort(owner, 'httpsPorts', p));
  for (const p of wantedHttp) {
    if (wantedHttps.includes(p)) invalid(owner, 'httpPorts', p, 'a port not also in httpsPorts', 'A port is proxied either as HTTP or as HTTPS.');
  }
  for (const p of wantedHttp) {
    if (hadHttps.includes(p)) invalid(owner, 'httpPorts', p, `a port Gateway '${name}' does not already proxy as HTTPS`, 'Scrape it over HTTPS, or remove it from proxyHTTPSPort.');
  }
  for (const p of wantedHttps) {
    if (hadHttp.includes(p)) invalid(owner, 'httpsPorts', p, `a port Gateway '${name}' does not already proxy as HTTP`, 'Scrape it over HTTP, or remove it from proxyHTTPPort.');
  }

  for (const other of props.otherGateways ?? []) {
    const otherName = other?.metadata?.name;
    if (otherName === name || !isCloudGateway(other)) continue;
    const taken = [
      ...parsePorts(owner, 'otherGateways.spec.proxyConfig.proxyHTTPPort', other.spec?.proxyConfig?.proxyHTTPPort),
      ...parsePorts(owner, 'otherGateways.spec.proxyConfig.proxyHTTPSPort', other.spec?.proxyConfig?.proxyHTTPSPort),
    ];
    for (const p of [...wantedHttp, ...wantedHttps]) {
      if (taken.includes(p) && !hadHttp.includes(p) && !hadHttps.includes(p)) {
        invalid(owner, 'gateway', `port ${p}`, `a port no other exposed Gateway declares (Gateway '${otherName}' declares it)`,
          'yurt-manager merges the ports of all exposed Gateways into one proxy Service; declare each port on one Gateway only.');
      }
    }
  }

  const merge = (had: number[], wanted: number[]) => [...had, ...wanted.filter((p, i) => !had.includes(p) && wanted.indexOf(p) === i)];
  const httpPorts = merge(hadHttp, wantedHttp);
  const httpsPorts = merge(hadHttps, wantedHttps);

  // Only the two port fields: an export is a snapshot, and writing back its other fields would
  // revert what the cluster changed since (raven-agent writes spec.endpoints' public IP, NAT type
  // and port). The ports the Gateway had before the library are recorded for rolling back.
  const proxyConfig: { [field: string]: string } = {};
  if (httpPorts.length > 0) proxyConfig.proxyHTTPPort = intern(httpPorts.join(','));
  if (httpsPorts.length > 0) proxyConfig.proxyHTTPSPort = intern(httpsPorts.join(','));
  const metadata = {
    name,
    annotations: { ...clusterOwnedAnnotations(false), [ORIGINAL_PROXY_PORTS_ANNOTATION]: originalPorts(owner, gw) },
  };
  return { metadata, spec: { proxyConfig }, httpPorts, httpsPorts };
}

/**
 * The annotation recording the Gateway's port fields before the library: the export's own
 * annotation when it has one (it was exported after an apply), else its fields.
 */
function originalPorts(owner: string, gw: any): string {
  const recorded = gw.metadata?.annotations?.[ORIGINAL_PROXY_PORTS_ANNOTATION];
  if (recorded !== undefined) {
    let parsed: any;
    try {
      parsed = JSON.parse(recorded);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.proxyHTTPPort !== 'string' || typeof parsed.proxyHTTPSPort !== 'string') {
      invalid(owner, `gateway.metadata.annotations['${ORIGINAL_PROXY_PORTS_ANNOTATION}']`, recorded,
        'the JSON the library writes there ({"proxyHTTPPort":"...","proxyHTTPSPort":"..."})',
        'It records the ports the Gateway had before this library; restore it from an earlier export, or remove it if no port was added by the library.');
    }
    return recorded;
  }
  const field = (value: unknown) => (typeof value === 'string' ? value : '');
  return JSON.stringify({ proxyHTTPPort: field(gw.spec.proxyConfig.proxyHTTPPort), proxyHTTPSPort: field(gw.spec.proxyConfig.proxyHTTPSPort) });
}

const WRITE_ONCE = 'A Gateway is written once: give one RavenGatewayPorts all the ports of the stacks (their proxyHttpPorts and proxyHttpsPorts) '
  + 'and pass no gateway to the RavenPrometheus stacks.';

/**
 * Declares the ports the scrapes need on the cloud Raven Gateway: each HTTP port becomes a proxy
 * Service port `http-<port>`, each HTTPS port `https-<port>`. Without them nothing is proxied and
 * every scrape through Raven fails. Ports already there are kept, none is written twice.
 *
 * The construct is the Gateway's server-side apply configuration: only `spec.proxyConfig`'s
 * `proxyHTTPPort` and `proxyHTTPSPort`, computed from the export, and an annotation recording the
 * ports the Gateway had before the library. `cdk8s-raven-prometheus drift` reports a port the
 * live Gateway proxies that the apply would drop (one added since the export).
 * Apply it with `kubectl apply --server-side --field-manager=cdk8s-raven-prometheus`.
 *
 * @see https://openyurt.io/docs/user-manuals/network/raven
 * @example
 * import { App, Chart, Yaml } from 'cdk8s';
 * import { RavenGatewayPorts } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring');
 * new RavenGatewayPorts(chart, 'gateway-ports', {
 *   // written by: kubectl get gateways.raven.openyurt.io gw-cloud -o yaml > gw-cloud.yaml
 *   gateway: Yaml.load('gw-cloud.yaml')[0],
 *   httpPorts: [9100],
 *   httpsPorts: [10250],
 * });
 */
export class RavenGatewayPorts extends ApiObject {
  /** Every HTTP port the Gateway declares after the patch. */
  public readonly httpPorts: number[];
  /** Every HTTPS port the Gateway declares after the patch. */
  public readonly httpsPorts: number[];

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props the exported Gateway and the ports the scrapes need
   */
  public constructor(scope: Construct, id: string, props: RavenGatewayPortsProps) {
    const rendered = inChart(scope, id, () => renderGatewayPorts(props));
    super(scope, id, { ...GATEWAY_V1BETA1_GVK, metadata: rendered.metadata, spec: rendered.spec });
    this.httpPorts = rendered.httpPorts;
    this.httpsPorts = rendered.httpsPorts;
    markClusterScoped(this);
    whenWrittenTwice(this, WRITE_ONCE);
    checkObjectsOf(this);
  }

  /** The patched Gateway: the construct itself (kept for symmetry with the other constructs). */
  public get resource(): ApiObject {
    return this;
  }
}

/** The same Gateway as `RavenGatewayPorts`, as a plain `ApiObject` in `scope`. */
export function addGatewayPortsObject(scope: Construct, id: string, props: RavenGatewayPortsProps): ApiObject {
  const rendered = renderGatewayPorts(props);
  const gateway = new ApiObject(scope, id, { ...GATEWAY_V1BETA1_GVK, metadata: rendered.metadata, spec: rendered.spec });
  return whenWrittenTwice(markClusterScoped(gateway), WRITE_ONCE);
}

/**
 * Checks an exported Gateway is a v1beta1 cloud Gateway with the L7 proxy configured and reads
 * the ports it already proxies.
 */
export function readCloudGateway(owner: string, source: any): { gw: any; name: string; hadHttp: number[]; hadHttps: number[] } {
  const exportedGateway = 'the exported Gateway as an object (Yaml.load(\'gw-cloud.yaml\')[0])';
  if (source === undefined) invalid(owner, 'gateway', source, exportedGateway);
  checkObject(owner, 'gateway', source, exportedGateway);
  const gw = stripServerFields(source);
  if (gw.apiVersion !== 'raven.openyurt.io/v1beta1' || gw.kind !== 'Gateway') {
    invalid(owner, 'gateway', `${gw.apiVersion}/${gw.kind}`, 'a raven.openyurt.io/v1beta1 Gateway',
      'Export it with: kubectl get gateways.raven.openyurt.io <name> -o yaml (v1alpha1 has no proxyConfig).');
  }
  const name = checkDnsSubdomain(owner, 'gateway.metadata.name', gw.metadata?.name ?? '');
  if (!isCloudGateway(gw)) {
    invalid(owner, 'gateway.spec.exposeType', gw.spec?.exposeType ?? 'unset', `one of ${CLOUD_EXPOSE_TYPES.join(', ')} (a cloud gateway)`,
      `Gateway '${name}' is not exposed, so the proxy Service does not take its ports; pass the cloud Gateway.`);
  }
  const proxyConfig = gw.spec.proxyConfig;
  if (!proxyConfig || typeof proxyConfig.Replicas !== 'number') {
    invalid(owner, 'gateway.spec.proxyConfig.Replicas', proxyConfig?.Replicas, 'the number of proxy replicas the Gateway already has',
      `Gateway '${name}' has no L7 proxy configured; enable it (ConfigMap kube-system/raven-cfg enable-l7-proxy: "true") and export the Gateway again.`);
  }
  return {
    gw,
    name,
    hadHttp: parsePorts(owner, 'gateway.spec.proxyConfig.proxyHTTPPort', proxyConfig.proxyHTTPPort),
    hadHttps: parsePorts(owner, 'gateway.spec.proxyConfig.proxyHTTPSPort', proxyConfig.proxyHTTPSPort),
  };
}
