import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { markClusterScoped } from './cluster-scoped';
import { stripServerFields } from './server-fields';
import { checkDnsSubdomain, checkPort, invalid } from './validation';
import { GatewayV1Beta1, GatewayV1Beta1Spec } from '../imports/raven.openyurt.io';

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

/**
 * Declares the ports the scrapes need on the cloud Raven Gateway: each HTTP port becomes a proxy
 * Service port `http-<port>`, each HTTPS port `https-<port>`. Without them nothing is proxied and
 * every scrape through Raven fails. Ports already there are kept, none is written twice.
 *
 * @see https://openyurt.io/docs/user-manuals/network/raven
 */
export class RavenGatewayPorts extends Construct {
  /** The patched Gateway. */
  public readonly resource: ApiObject;
  /** Every HTTP port the Gateway declares after the patch. */
  public readonly httpPorts: number[];
  /** Every HTTPS port the Gateway declares after the patch. */
  public readonly httpsPorts: number[];

  public constructor(scope: Construct, id: string, props: RavenGatewayPortsProps) {
    super(scope, id);
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
    this.httpPorts = merge(hadHttp, wantedHttp);
    this.httpsPorts = merge(hadHttps, wantedHttps);

    const patched = JSON.parse(JSON.stringify(gw));
    delete patched.metadata.namespace;
    const pc = patched.spec.proxyConfig;
    if (this.httpPorts.length > 0) pc.proxyHTTPPort = this.httpPorts.join(','); else delete pc.proxyHTTPPort;
    if (this.httpsPorts.length > 0) pc.proxyHTTPSPort = this.httpsPorts.join(','); else delete pc.proxyHTTPSPort;

    const gateway = new GatewayV1Beta1(this, 'Resource', { metadata: patched.metadata, spec: toGatewaySpec(patched.spec) });
    // The typed class must carry every field the cluster had: refuse rather than drop one.
    const rendered = gateway.toJson();
    const lost = findLostPaths(patched, { ...rendered, metadata: patched.metadata }, '');
    if (lost.length > 0) {
      invalid(owner, 'gateway', lost.join(', '), 'fields the raven.openyurt.io/v1beta1 Gateway schema knows',
        'The export has fields this library\'s Gateway type does not carry; they would be lost on apply.');
    }
    this.resource = markClusterScoped(gateway);
  }
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

function toGatewaySpec(spec: any): GatewayV1Beta1Spec {
  return {
    exposeType: spec.exposeType,
    endpoints: spec.endpoints?.map((e: any) => ({
      nodeName: e.nodeName,
      type: e.type,
      config: e.config,
      natType: e.natType,
      port: e.port,
      publicIp: e.publicIP,
      publicPort: e.publicPort,
      underNat: e.underNAT,
    })),
    nodeSelector: spec.nodeSelector && { matchLabels: spec.nodeSelector.matchLabels, matchExpressions: spec.nodeSelector.matchExpressions },
    proxyConfig: spec.proxyConfig && {
      replicas: spec.proxyConfig.Replicas,
      proxyHttpPort: spec.proxyConfig.proxyHTTPPort,
      proxyHttpsPort: spec.proxyConfig.proxyHTTPSPort,
    },
    tunnelConfig: spec.tunnelConfig && { replicas: spec.tunnelConfig.Replicas },
  };
}

/** JSON paths present in `expected` but missing or different in `actual`. */
function findLostPaths(expected: any, actual: any, path: string): string[] {
  if (expected === null || typeof expected !== 'object') {
    return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [path || '/'];
  }
  if (actual === null || typeof actual !== 'object') return [path || '/'];
  return Object.keys(expected).flatMap((k) => findLostPaths(expected[k], actual[k], `${path}/${k}`));
}
