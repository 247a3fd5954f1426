import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { intern } from './bounded-cache';
import { markClusterScoped } from './cluster-scoped';
import { stripServerFields } from './server-fields';
import { GATEWAY_V1BETA1_GVK, GatewayV1Beta1SpecJson } from './typed-api-object';
import { checkDnsSubdomain, checkPort, invalid } from './validation';

/**
 * Props for `RavenGatewayPorts`.
 */
export interface RavenGatewayPortsProps {
  /**
   * The cloud Gateway as exported with
   * `kubectl get gateways.raven.openyurt.io <name> -o yaml` (raven.openyurt.io/v1beta1,
   * `exposeType` PublicIP or LoadBalancer). Patching it, rather than writing a Gateway from
   * scratch, keeps its endpoints and the fields only the cluster knows.
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

/** The patched Gateway (metadata and spec) and its port lists. */
interface RenderedGateway {
  metadata: any;
  spec: GatewayV1Beta1SpecJson;
  httpPorts: number[];
  httpsPorts: number[];
}

/** Checks the props and builds the patched Gateway. */
function renderGatewayPorts(props: RavenGatewayPortsProps): RenderedGateway {
  const owner = 'RavenGatewayPorts';
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

  // readCloudGateway's copy is ours to change.
  const patched = gw;
  delete patched.metadata.namespace;
  const pc = patched.spec.proxyConfig;
  if (httpPorts.length > 0) pc.proxyHTTPPort = intern(httpPorts.join(',')); else delete pc.proxyHTTPPort;
  if (httpsPorts.length > 0) pc.proxyHTTPSPort = intern(httpsPorts.join(',')); else delete pc.proxyHTTPSPort;

  const spec = toGatewaySpec(patched.spec);
  // The Gateway schema must carry every field the cluster had: refuse rather than drop one.
  const lost = findLostPaths(patched, { ...GATEWAY_V1BETA1_GVK, metadata: patched.metadata, spec }, '');
  if (lost.length > 0) {
    invalid(owner, 'gateway', lost.join(', '), 'fields the raven.openyurt.io/v1beta1 Gateway schema knows',
      'The export has fields this library\'s Gateway type does not carry; they would be lost on apply.');
  }
  return { metadata: patched.metadata, spec, httpPorts, httpsPorts };
}

/**
 * Declares the ports the scrapes need on the cloud Raven Gateway: each HTTP port becomes a proxy
 * Service port `http-<port>`, each HTTPS port `https-<port>`. Without them nothing is proxied and
 * every scrape through Raven fails. Ports already there are kept, none is written twice.
 *
 * The construct is the Gateway API object itself.
 *
 * @see https://openyurt.io/docs/user-manuals/network/raven
 */
export class RavenGatewayPorts extends ApiObject {
  /** Every HTTP port the Gateway declares after the patch. */
  public readonly httpPorts: number[];
  /** Every HTTPS port the Gateway declares after the patch. */
  public readonly httpsPorts: number[];

  public constructor(scope: Construct, id: string, props: RavenGatewayPortsProps) {
    const rendered = renderGatewayPorts(props);
    super(scope, id, { ...GATEWAY_V1BETA1_GVK, metadata: rendered.metadata, spec: rendered.spec });
    this.httpPorts = rendered.httpPorts;
    this.httpsPorts = rendered.httpsPorts;
    markClusterScoped(this);
  }

  /** The patched Gateway: the construct itself (kept for symmetry with the other constructs). */
  public get resource(): ApiObject {
    return this;
  }
}

/** The same Gateway as `RavenGatewayPorts`, as a plain `ApiObject` in `scope`. */
export function addGatewayPortsObject(scope: Construct, id: string, props: RavenGatewayPortsProps): ApiObject {
  const rendered = renderGatewayPorts(props);
  return markClusterScoped(new ApiObject(scope, id, { ...GATEWAY_V1BETA1_GVK, metadata: rendered.metadata, spec: rendered.spec }));
}

/**
 * Checks an exported Gateway is a v1beta1 cloud Gateway with the L7 proxy configured and reads
 * the ports it already proxies.
 */
export function readCloudGateway(owner: string, source: any): { gw: any; name: string; hadHttp: number[]; hadHttps: number[] } {
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

/** A JSON value without null members, as `ApiObject.toJson()` renders it (null array items become undefined). */
function withoutNulls(value: any): any {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object') return value;
  const result: { [key: string]: any } = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null) result[k] = withoutNulls(v);
  }
  return result;
}

/** A free-form string map, as the generated converters copy one. */
function stringMap(value: any): { [key: string]: string } | undefined {
  if (value === undefined) return undefined;
  const result: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) result[k] = v as string;
  }
  return result;
}

/**
 * The spec as the v1beta1 Gateway schema carries it: each field of the generated type under its
 * JSON name, keys in sorted order, anything else left out (findLostPaths reports it). Reads the
 * export the way the generated `toJson_GatewayV1Beta1Spec` did after `ApiObject.toJson()`: null
 * members dropped, any value where an object belongs read as an object.
 */
function toGatewaySpec(source: any): GatewayV1Beta1SpecJson {
  const spec = withoutNulls(source);
  const ns = spec.nodeSelector;
  const pc = spec.proxyConfig;
  const tc = spec.tunnelConfig;
  return {
    // An undefined item (a null in the export) stays undefined: findLostPaths refuses it.
    endpoints: spec.endpoints?.map((e: any) => (e === undefined ? e : toEndpoint(e))),
    exposeType: spec.exposeType,
    nodeSelector: ns === undefined ? undefined : {
      matchExpressions: ns.matchExpressions?.map((m: any) => (m === undefined ? m : toMatchExpression(m))),
      matchLabels: stringMap(ns.matchLabels),
    },
    proxyConfig: pc === undefined ? undefined : { Replicas: pc.Replicas, proxyHTTPPort: pc.proxyHTTPPort, proxyHTTPSPort: pc.proxyHTTPSPort },
    tunnelConfig: tc === undefined ? undefined : { Replicas: tc.Replicas },
  };
}

function toEndpoint(e: any): NonNullable<GatewayV1Beta1SpecJson['endpoints']>[number] {
  return {
    config: stringMap(e.config),
    natType: e.natType,
    nodeName: e.nodeName,
    port: e.port,
    publicIP: e.publicIP,
    publicPort: e.publicPort,
    type: e.type,
    underNAT: e.underNAT,
  };
}

type NodeSelectorJson = NonNullable<GatewayV1Beta1SpecJson['nodeSelector']>;

function toMatchExpression(m: any): NonNullable<NodeSelectorJson['matchExpressions']>[number] {
  return { key: m.key, operator: m.operator, values: m.values?.map((v: any) => v) };
}

/** JSON paths present in `expected` but missing or different in `actual`. */
function findLostPaths(expected: any, actual: any, path: string, lost: string[] = []): string[] {
  if (expected === null || typeof expected !== 'object') {
    // JSON values: equal, or both NaN (YAML's .nan); written `null` either way.
    if (expected !== actual && !(Number.isNaN(expected) && Number.isNaN(actual))) lost.push(path || '/');
  } else if (actual === null || typeof actual !== 'object') {
    lost.push(path || '/');
  } else {
    for (const k of Object.keys(expected)) findLostPaths(expected[k], actual[k], `${path}/${k}`, lost);
  }
  return lost;
}
