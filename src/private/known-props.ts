import { IConstruct } from 'constructs';
import { withChartContext } from './validation';

/**
 * The props of every struct the public API takes, by interface name, and the check that refuses a
 * prop that is none of them. From plain JavaScript, or props read from a file, a misspelt prop
 * (`relase: 'kps'`) is otherwise ignored without a word and its default used instead; TypeScript
 * only catches it in an object literal. test/private/known-props.test.ts keeps these lists equal to
 * the interfaces (read with the TypeScript compiler).
 */
const PROPS_BY_INTERFACE: { [iface: string]: string } = {
  ExtraEdgeScrape: 'name port jobLabel scheme metricsPath discovery nodes authenticate',
  KubePrometheusStackValuesOptions: 'clusterDomain',
  RavenPrometheusProps: 'release nameOverride fullnameOverride namespace serviceAccountName scrapeConfigLabels dns addressing nodes nodeExporter nodeExporterDiscovery nodeExporterPort kubeletEndpoints kubeletTls extraScrapes scrapeInterval cadvisorInterval cadvisorMetricDrops markerLabel keepNodeLabels gateway otherGateways addGatewayPorts rbac createTokenSecret tokenSecretName versions output',
  ClusterVersions: 'prometheusOperator raven openYurt',
  EdgeNodeScrapeProps: 'port name metricsPath scheme tls bearerToken discovery targetLabels metricRelabelings honorLabels honorTimestamps trackTimestampsStaleness namespace labels scrapeInterval scrapeTimeout nodes addressing instance nodeLabel markerLabel keepNodeLabels versions',
  NodeExporterScrapeProps: 'name port discovery jobLabel serviceLabel namespaceLabel namespace labels scrapeInterval scrapeTimeout nodes addressing instance nodeLabel markerLabel keepNodeLabels versions',
  KubeletScrapeProps: 'namePrefix endpoints port bearerToken tls jobLabel namespaceLabel serviceLabel honorLabels honorTimestamps cadvisorMetricDrops storageBucketDrops trackTimestampsStaleness cadvisorInterval namespace labels scrapeInterval scrapeTimeout nodes addressing instance nodeLabel markerLabel keepNodeLabels versions',
  ServiceAccountTokenSecretProps: 'serviceAccountName secretName namespace',
  PrometheusNodeRbacProps: 'serviceAccountName serviceAccountNamespace name podDiscovery',
  RavenGatewayPortsProps: 'gateway httpPorts httpsPorts otherGateways',
  RavenCoreDnsProps: 'corefile name namespace extraData reloadInterval ttl fallthroughZones reverseLookups importedFiles deployment containerName tunnelNodesConfigMap tunnelNodesMountPath',
  RavenProxyDnsProps: 'clusterIp name namespace clusterDomain corefile image replicas nodeSelector reloadInterval ttl tunnelNodesConfigMap reverseLookups',
  KubeadmCoreDnsDeploymentOptions: 'image replicas',
  KubeadmCorefileOptions: 'clusterDomain',
  TunnelHostsOptions: 'hostsFile reloadInterval ttlSeconds fallthroughZones reverseLookups importedFiles',
  MetricRelabeling: 'action sourceLabels regex targetLabel replacement separator',
  PodDiscoveryOptions: 'podLabels namespaces',
  ProxyQueryOptions: 'proxyHost',
  ServiceAccountTokenOptions: 'serviceAccountName secretName serviceAccountNamespace',
  VerifiedTlsOptions: 'ca serverName',
  PrometheusConfigFragmentOptions: 'name key asSecret jobNamePrefix prometheusVersion',
  OperatorRenderOptions: 'secrets configMaps prometheusVersion shards',
  PlainRenderOptions: 'jobNamePrefix prometheusVersion',
  KubePrometheusStackRelease: 'release nameOverride fullnameOverride',
  KubePrometheusStackValuesProps: 'nodes proxyDnsClusterIp prometheusNamespace clusterDomain',
  VerifyOptions: 'jobPattern',
  DriftOptions: 'fieldManager',
};

/** The props of `iface`, as declared. */
export function knownProps(iface: string): string[] {
  const props = PROPS_BY_INTERFACE[iface];
  if (props === undefined) throw new Error(`no props listed for ${iface}`);
  return props.split(' ');
}

/** The interfaces whose props are listed. */
export function listedInterfaces(): string[] {
  return Object.keys(PROPS_BY_INTERFACE);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * Refuses a key of `props` that `iface` does not declare, naming the closest prop. `where` is how
 * the message names the object (`props`, `extraScrapes[0]`); undefined values are let through, as
 * an unset prop is.
 */
export function checkKnownProps(owner: string, where: string, props: unknown, iface: string, scope?: IConstruct, id?: string): void {
  try {
    refuseUnknownProps(owner, where, props, iface);
  } catch (e) {
    throw scope !== undefined && id !== undefined ? withChartContext(scope, id, e) : e;
  }
}

function refuseUnknownProps(owner: string, where: string, props: unknown, iface: string): void {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) return; // the type checks refuse it
  const known = knownProps(iface);
  for (const key of Object.keys(props)) {
    if (known.includes(key) || (props as any)[key] === undefined) continue;
    const closest = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
    const hint = closest !== undefined && closest.d <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean '${closest.k}'?` : '';
    const prefix = where === 'props' || where === 'options' ? '' : `${where}.`;
    throw new Error(`${owner}: '${prefix}${key}' is not a prop of ${iface}, so it would be ignored.${hint} `
      + `The props are: ${known.join(', ')}.`);
  }
}
