import { IConstruct } from 'constructs';
import { invalid, withChartContext } from './validation';

/**
 * The props of every struct the public API takes, by interface name, and the check that refuses a
 * prop that is none of them. From plain JavaScript, or props read from a file, a misspelt prop
 * (`relase: 'kps'`) is otherwise ignored without a word and its default used instead; TypeScript
 * only catches it in an object literal. test/private/known-props.test.ts keeps these lists equal to
 * the interfaces (read with the TypeScript compiler).
 */
/**
 * Each interface's props, `name:kind` where the kind is checked here: s string, n number, b boolean,
 * m a map of strings, S a list of strings, N a list of numbers. Props of the library's classes and
 * enums, durations and exported objects are checked where they are used, with the factories named.
 */
const PROPS_BY_INTERFACE: { [iface: string]: string } = {
  ExtraEdgeScrape: 'name:s port:n jobLabel:s scheme metricsPath:s discovery nodes authenticate:b',
  KubePrometheusStackValuesOptions: 'clusterDomain:s alertmanagerConfig',
  RavenPrometheusProps: 'release:s nameOverride:s fullnameOverride:s namespace:s serviceAccountName:s scrapeConfigLabels:m dns addressing nodes nodeExporter:b nodeExporterDiscovery nodeExporterPort:n kubeletEndpoints kubeletTls extraScrapes scrapeInterval cadvisorInterval cadvisorMetricDrops:b markerLabel:b keepNodeLabels:b gateway otherGateways addGatewayPorts:b rbac:b sendServiceAccountTokenToNodes:b createTokenSecret:b tokenSecretName:s versions output profile alertRules:b alertRulesOptions',
  ClusterVersions: 'prometheusOperator:s raven:s openYurt:s',
  EdgeNodeScrapeProps: 'port:n name:s metricsPath:s scheme params tls bearerToken discovery targetLabels:m metricRelabelings honorLabels:b honorTimestamps:b trackTimestampsStaleness:b namespace:s labels:m scrapeInterval scrapeTimeout nodes addressing instance nodeLabel:b markerLabel:b keepNodeLabels:b versions',
  NodeExporterScrapeProps: 'name:s port:n discovery jobLabel:s serviceLabel:s namespaceLabel:s collectors:S namespace:s labels:m scrapeInterval scrapeTimeout nodes addressing instance nodeLabel:b markerLabel:b keepNodeLabels:b versions',
  KubeletScrapeProps: 'namePrefix:s endpoints port:n bearerToken tls jobLabel:s namespaceLabel:s serviceLabel:s honorLabels:b honorTimestamps:b cadvisorMetricDrops:b storageBucketDrops:b trackTimestampsStaleness:b cadvisorInterval namespace:s labels:m scrapeInterval scrapeTimeout nodes addressing instance nodeLabel:b markerLabel:b keepNodeLabels:b versions',
  ServiceAccountTokenSecretProps: 'serviceAccountName:s secretName:s namespace:s',
  PrometheusNodeRbacProps: 'serviceAccountName:s serviceAccountNamespace:s name:s podDiscovery:b nodeMetrics:b',
  RavenGatewayPortsProps: 'gateway httpPorts:N httpsPorts:N otherGateways',
  RavenCoreDnsProps: 'corefile:s name:s namespace:s extraData:m reloadInterval ttl fallthroughZones:S reverseLookups:b importedFiles:m deployment containerName:s tunnelNodesConfigMap:s tunnelNodesMountPath:s',
  RavenProxyDnsProps: 'clusterIp:s name:s namespace:s clusterDomain:s corefile:s image:s replicas:n nodeSelector:m reloadInterval ttl tunnelNodesConfigMap:s reverseLookups:b',
  KubeadmCoreDnsDeploymentOptions: 'image:s replicas:n',
  KubeadmCorefileOptions: 'clusterDomain:s',
  TunnelHostsOptions: 'hostsFile:s reloadInterval:s ttlSeconds:n fallthroughZones:S reverseLookups:b importedFiles:m',
  MetricRelabeling: 'action sourceLabels:S regex:s targetLabel:s replacement:s separator:s',
  PodDiscoveryOptions: 'podLabels:m namespaces:S',
  ProxyQueryOptions: 'proxyHost:s',
  ServiceAccountTokenOptions: 'serviceAccountName:s secretName:s serviceAccountNamespace:s',
  VerifiedTlsOptions: 'ca serverName:s',
  RavenProxyTlsOptions: 'ca serverName:s',
  EdgeLinkProfileOptions: 'nodeExporterCollectors:S',
  LinkBudgetOptions: 'bytesPerNodePerDay:n podsPerNode:n nodeExporterCollectors:S',
  RavenAlertRulesOptions: 'tunnelDownFor nodePoolDownFor nodePoolMinNodes:n nodePoolSeverity nodeDownFor nodeSeverity exporterDownFor exporterSeverity scrapeTimeout slowScrapeRatio:n slowScrapeFor slowScrapeSeverity alertLabels:m',
  RavenAlertRulesProps: 'name:s namespace:s labels:m targetLabels:m nodeLabel:s nodePoolLabel:s targetDownServices:S tunnelDownFor nodePoolDownFor nodePoolMinNodes:n nodePoolSeverity nodeDownFor nodeSeverity exporterDownFor exporterSeverity scrapeTimeout slowScrapeRatio:n slowScrapeFor slowScrapeSeverity alertLabels:m',
  PrometheusConfigFragmentOptions: 'name:s key:s asSecret:b jobNamePrefix:s prometheusVersion:s',
  OperatorRenderOptions: 'secrets configMaps prometheusVersion:s shards:n',
  PlainRenderOptions: 'jobNamePrefix:s prometheusVersion:s',
  KubePrometheusStackRelease: 'release:s nameOverride:s fullnameOverride:s',
  KubePrometheusStackValuesProps: 'nodes proxyDnsClusterIp:s prometheusNamespace:s clusterDomain:s inhibitRules mutedTargetDownServices:S alertmanagerConfig',
  VerifyOptions: 'jobPattern:s',
  DriftOptions: 'fieldManager:s',
};

/** The props of `iface` with their kinds, as declared. */
export function propKinds(iface: string): Array<[string, string]> {
  const props = PROPS_BY_INTERFACE[iface];
  if (props === undefined) throw new Error(`no props listed for ${iface}`);
  return props.split(' ').map((p) => p.split(':') as [string, string]).map(([name, kind]) => [name, kind ?? '']);
}

/** The props of `iface`, as declared. */
export function knownProps(iface: string): string[] {
  return propKinds(iface).map(([name]) => name);
}

const KINDS: { [kind: string]: [string, (v: any) => boolean] } = {
  s: ['a string', (v) => typeof v === 'string'],
  n: ['a number', (v) => typeof v === 'number' && !Number.isNaN(v)],
  b: ['true or false', (v) => typeof v === 'boolean'],
  m: ['a map of strings to strings', (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.toJson !== 'function'
    && Object.values(v).every((x) => typeof x === 'string')],
  S: ['a list of strings', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string')],
  N: ['a list of ports such as [9100]', (v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && !Number.isNaN(x))],
};

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
  const isObject = props !== null && typeof props === 'object' && !Array.isArray(props);
  if (!isObject || typeof (props as any).toJson === 'function') {
    // A factory's or method's options: a props object's own check says what it takes.
    if (where === 'options' && props !== undefined) invalid(owner, 'options', props, `an object of ${iface} ({ ${knownProps(iface).join(', ')} }), or nothing`);
    return;
  }
  const kinds = propKinds(iface);
  const known = kinds.map(([name]) => name);
  const prefix = where === 'props' || where === 'options' ? '' : `${where}.`;
  // The primitive types first: a value of the wrong type would fail, or be misread, further on,
  // with a message about whatever was derived from it.
  for (const [name, kind] of kinds) {
    const value = (props as any)[name];
    if (value === undefined || kind === '' || KINDS[kind][1](value)) continue;
    invalid(owner, `${prefix}${name}`, value, KINDS[kind][0]);
  }
  for (const key of Object.keys(props)) {
    if (known.includes(key) || (props as any)[key] === undefined) continue;
    const closest = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
    const hint = closest !== undefined && closest.d <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean '${closest.k}'?` : '';
    throw new Error(`${owner}: '${prefix}${key}' is not a prop of ${iface}, so it would be ignored.${hint} `
      + `The props are: ${known.join(', ')}.`);
  }
}
