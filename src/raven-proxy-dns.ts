import { createHash } from 'crypto';
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Corefile } from './corefile';
import { markClusterScoped } from './private/cluster-scoped';
import { coreObject } from './private/core-objects';
import { tunnelNodesVolume } from './private/coredns-deployment-patch';
import { toWholeSeconds, tunnelNodesReload } from './private/coredns-duration';
import { tunnelHostsEdit } from './private/corefile-edits';
import { checkKnownProps } from './private/known-props';
import { checkObjectsOf } from './private/object-checks';
import {
  checkClusterIp, checkDnsLabel, checkDnsSubdomain, checkDuration, checkImage, checkKubernetesLabels, checkReplicas, inChart, invalid,
} from './private/validation';

/**
 * Props for `RavenProxyDns`.
 */
export interface RavenProxyDnsProps {
  /**
   * The fixed ClusterIP of the DNS Service. Pods point at it through `dnsConfig.nameservers`,
   * which only takes IP addresses, so it cannot be left to the API server. Pick a free address
   * of the cluster's Service CIDR.
   */
  readonly clusterIp: string;

  /**
   * The name of the Deployment, Service, ConfigMap and ServiceAccount.
   *
   * @default "raven-proxy-dns"
   */
  readonly name?: string;

  /**
   * Where the DNS server runs; yurt-manager writes the tunnel-nodes ConfigMap to kube-system,
   * and a pod can only mount ConfigMaps of its own namespace.
   *
   * @default "kube-system"
   */
  readonly namespace?: string;

  /**
   * The cluster's DNS domain, for the default Corefile.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * The Corefile to serve, before the tunnel-nodes hosts plugin is added.
   *
   * @default - kubeadm's default Corefile for `clusterDomain`
   */
  readonly corefile?: string;

  /**
   * The CoreDNS image the DNS server runs. There is no default: a pinned image would age into a
   * downgrade, and clusters with a private or air-gapped registry need their own reference. Use
   * the image the cluster's CoreDNS runs
   * (`kubectl -n kube-system get deployment coredns -o jsonpath='{.spec.template.spec.containers[0].image}'`):
   * it is pulled already, and the Corefile derived from kubeadm's works with it.
   */
  readonly image: string;

  /**
   * How many DNS pods. The library owns this Deployment, and Prometheus' only nameserver is its
   * Service: two pods, spread over nodes, keep name resolution up through a node drain.
   *
   * @default 2
   */
  readonly replicas?: number;

  /**
   * Node labels the DNS pods must run on.
   *
   * @default { 'kubernetes.io/os': 'linux', 'openyurt.io/is-edge-worker': 'false' } - cloud nodes
   */
  readonly nodeSelector?: { [key: string]: string };

  /**
   * How often the hosts plugin re-reads the tunnel-nodes file, so that nodes that join are
   * answered. Zero is refused: CoreDNS would read the file once, at start, and a DNS pod started
   * before yurt-manager created the ConfigMap (the volume is optional) would never answer any node.
   *
   * @default Duration.millis(300)
   */
  readonly reloadInterval?: Duration;

  /**
   * The TTL of the answers for node names, whole seconds from 1s to 65535s (the hosts plugin's range).
   *
   * @default - the hosts plugin's default, 3600 seconds
   */
  readonly ttl?: Duration;

  /**
   * The ConfigMap yurt-manager maintains with one `IP<TAB>nodeName` line per node.
   *
   * @default "edge-tunnel-nodes"
   */
  readonly tunnelNodesConfigMap?: string;

  /**
   * Whether the tunnel-nodes block answers reverse (PTR) lookups. Every node maps to the one proxy
   * ClusterIP, so a reverse lookup of it would return one record per node (about 26 KB for 500
   * nodes, truncated over UDP) instead of the Service's own name; nothing on the scrape path asks
   * for it. `true` writes the block as OpenYurt's raven-proxy-dns does.
   *
   * @default - false: the block gets `no_reverse`
   * @see https://coredns.io/plugins/hosts/
   */
  readonly reverseLookups?: boolean;
}

/**
 * OpenYurt's own DNS recipe: a dedicated CoreDNS that resolves node names to the Raven proxy.
 *
 * It answers node names with the Raven proxy address from the tunnel-nodes file and everything
 * else like the cluster DNS, leaving the cluster CoreDNS untouched. Only pods pointed at it (Prometheus, via `dnsPolicy: None` and
 * `dnsConfig.nameservers: [clusterIp]`) see node names resolve to the proxy.
 *
 * Synthesizes a ServiceAccount, ClusterRole and ClusterRoleBinding for the `kubernetes` plugin,
 * a ConfigMap with the Corefile, a Deployment on cloud nodes and a Service with a fixed ClusterIP.
 *
 * @see https://openyurt.io/docs/user-manuals/network/raven
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { RavenProxyDns } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'cluster-dns');
 * new RavenProxyDns(chart, 'raven-proxy-dns', {
 *   clusterIp: '10.96.0.53', // a free address of the cluster's Service CIDR
 *   image: 'registry.k8s.io/coredns/coredns:v1.12.0', // the image the cluster's CoreDNS runs
 * });
 */
export class RavenProxyDns extends Construct {
  /** The Service whose ClusterIP Prometheus uses as its nameserver. */
  public readonly service: ApiObject;
  /** The Deployment. */
  public readonly deployment: ApiObject;
  /** The ConfigMap with the Corefile. */
  public readonly configMap: ApiObject;
  /** The served Corefile. */
  public readonly corefile: Corefile;
  /** The fixed ClusterIP. */
  public readonly clusterIp: string;

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props the Service's fixed ClusterIP, the CoreDNS image and the Deployment's settings
   */
  public constructor(scope: Construct, id: string, props: RavenProxyDnsProps) {
    super(scope, id);
    const built = inChart(scope, id, () => addProxyDnsObjects(this, '', props));
    checkObjectsOf(this);
    this.clusterIp = built.clusterIp;
    this.corefile = built.corefile;
    this.configMap = built.configMap;
    this.deployment = built.deployment;
    this.service = built.service;
  }
}

/**
 * The objects of `RavenProxyDns`, as plain `ApiObject`s in `scope` (ids prefixed with `idPrefix`).
 */
export function addProxyDnsObjects(scope: Construct, idPrefix: string, props: RavenProxyDnsProps): {
  clusterIp: string; corefile: Corefile; service: ApiObject; deployment: ApiObject; configMap: ApiObject; objects: ApiObject[];
} {
  const owner = 'RavenProxyDns';
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    invalid(owner, 'props', props, 'the props object ({ clusterIp: ..., image: ... })');
  }
  checkKnownProps(owner, 'props', props, 'RavenProxyDnsProps');
  checkDuration(owner, 'reloadInterval', props.reloadInterval);
  checkDuration(owner, 'ttl', props.ttl);
  const clusterIp = checkClusterIp(owner, 'clusterIp', props.clusterIp);
  const name = checkDnsLabel(owner, 'name', props.name ?? 'raven-proxy-dns');
  const namespace = checkDnsLabel(owner, 'namespace', props.namespace ?? 'kube-system');
  const tunnelNodesConfigMap = checkDnsSubdomain(owner, 'tunnelNodesConfigMap', props.tunnelNodesConfigMap ?? 'edge-tunnel-nodes');
  const replicas = checkReplicas(owner, 'replicas', props.replicas ?? 2);
  if (typeof props.image !== 'string') {
    invalid(owner, 'image', props.image, 'a CoreDNS image reference',
      'Use the image the cluster\'s CoreDNS runs: kubectl -n kube-system get deployment coredns -o jsonpath=\'{.spec.template.spec.containers[0].image}\'.');
  }
  const image = checkImage(owner, 'image', props.image);
  const nodeSelector = props.nodeSelector ?? { 'kubernetes.io/os': 'linux', 'openyurt.io/is-edge-worker': 'false' };
  checkKubernetesLabels(owner, 'nodeSelector', nodeSelector);

  if (props.corefile !== undefined && props.clusterDomain !== undefined) {
    invalid(owner, 'clusterDomain', props.clusterDomain, 'unset when corefile is given', 'The corefile already names its cluster domain.');
  }
  const base = props.corefile ?? Corefile.kubeadmDefault({ clusterDomain: props.clusterDomain ?? 'cluster.local' }).toString();
  const edit = tunnelHostsEdit(base, {
    hostsFile: '/etc/edge/tunnel-nodes',
    reloadInterval: tunnelNodesReload(owner, props.reloadInterval),
    ttlSeconds: props.ttl && toWholeSeconds(owner, 'ttl', props.ttl),
    reverseLookups: props.reverseLookups,
  });
  const corefileText = edit.corefile.toString();
  const labels = { 'k8s-app': name };

  const serviceAccount = coreObject(scope, `${idPrefix}ServiceAccount`, 'ServiceAccount', { name, namespace }, {});
  const roleName = `system:${name}`;
  const clusterRole = markClusterScoped(coreObject(scope, `${idPrefix}ClusterRole`, 'ClusterRole', { name: roleName }, {
    rules: [
      { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ],
  }));
  const clusterRoleBinding = markClusterScoped(coreObject(scope, `${idPrefix}ClusterRoleBinding`, 'ClusterRoleBinding', { name: roleName }, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  }));

  const configMap = coreObject(scope, `${idPrefix}ConfigMap`, 'ConfigMap', { name, namespace }, { data: { Corefile: corefileText } });

  const deployment = coreObject(scope, `${idPrefix}Deployment`, 'Deployment', { name, namespace, labels }, {
    spec: {
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          annotations: { 'raven-prometheus.cdk8s.io/corefile-sha256': createHash('sha256').update(corefileText).digest('hex') },
        },
        spec: {
          serviceAccountName: name,
          priorityClassName: 'system-cluster-critical',
          tolerations: [{ operator: 'Exists' }],
          nodeSelector,
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: {
                  labelSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: [name] }] },
                  topologyKey: 'kubernetes.io/hostname',
                },
              }],
            },
          },
          containers: [{
            name: 'coredns',
            image,
            imagePullPolicy: 'IfNotPresent',
            resources: {
              limits: { memory: '170Mi' },
              requests: { cpu: '100m', memory: '70Mi' },
            },
            args: ['-conf', '/etc/coredns/Corefile'],
            volumeMounts: [
              { name: 'config-volume', mountPath: '/etc/coredns', readOnly: true },
              { name: 'edge-hosts', mountPath: '/etc/edge', readOnly: true },
            ],
            ports: [
              { containerPort: 53, name: 'dns', protocol: 'UDP' },
              { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
              { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
            ],
            livenessProbe: {
              httpGet: { path: '/health', port: 8080, scheme: 'HTTP' },
              initialDelaySeconds: 60,
              timeoutSeconds: 5,
              successThreshold: 1,
              failureThreshold: 5,
            },
            readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
              readOnlyRootFilesystem: true,
            },
          }],
          // The server resolves upstream names through the node, like the cluster CoreDNS.
          dnsPolicy: 'Default',
          volumes: [
            { name: 'config-volume', configMap: { name, items: [{ key: 'Corefile', path: 'Corefile' }] } },
            tunnelNodesVolume('edge-hosts', tunnelNodesConfigMap),
          ],
        },
      },
    },
  });

  const service = coreObject(scope, `${idPrefix}Service`, 'Service', { name, namespace, labels }, {
    spec: {
      type: 'ClusterIP',
      clusterIP: clusterIp,
      selector: labels,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  });
  return {
    clusterIp,
    corefile: edit.corefile,
    service,
    deployment,
    configMap,
    objects: [serviceAccount, clusterRole, clusterRoleBinding, configMap, deployment, service],
  };
}
