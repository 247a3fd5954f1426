/**
 * kube-prometheus-stack's stock node monitoring, as the cluster holds it: the chart's kubelet and
 * node-exporter ServiceMonitors rendered from values as the chart's templates render them, and the
 * objects they discover, written as the programs that write them in a real cluster do.
 *
 * Sources (read at these tags; nothing of them is copied into the repository but the few values
 * and template branches below, each cited):
 * - prometheus-community/helm-charts, tag kube-prometheus-stack-88.5.3 (appVersion v0.93.1):
 *   charts/kube-prometheus-stack/values.yaml (`kubelet`, `prometheus-node-exporter`),
 *   templates/exporters/kubelet/servicemonitor.yaml, templates/_helpers.tpl (fullname, labels,
 *   kubelet.scheme, kubelet.authConfig, servicemonitor.scrapeLimits),
 *   templates/prometheus/clusterrole.yaml, templates/prometheus-operator/deployment.yaml
 *   (`--kubelet-service=kube-system/<fullname>-kubelet`, `--kubelet-endpoints`, `--kubelet-endpointslice`).
 * - the same repository, tag prometheus-node-exporter-4.56.1 (the subchart 88.5.3 depends on):
 *   values.yaml (`prometheus.monitor`, `service`), templates/servicemonitor.yaml, service.yaml,
 *   daemonset.yaml, _helpers.tpl.
 * - prometheus-operator v0.93.1 pkg/kubelet/controller.go: the kubelet Service, Endpoints and
 *   EndpointSlice the operator writes from the Node objects.
 * - k8s.io/kubernetes v1.36.3 pkg/controller/endpoint/endpoints_controller.go and
 *   k8s.io/endpointslice v0.36.3 utils.go: the Endpoints and EndpointSlice written for a Service
 *   with a selector.
 */

import { CHART_CADVISOR_METRIC_RELABELINGS } from '../../support/kube-prometheus-stack-chart';

export const KUBE_PROMETHEUS_STACK_VERSION = '88.5.3';
export const NODE_EXPORTER_CHART_VERSION = '4.56.1';
export const NODE_EXPORTER_APP_VERSION = '1.12.1';

type Values = { [key: string]: any };

/**
 * The chart's default values the two ServiceMonitor templates read (kube-prometheus-stack 88.5.3
 * values.yaml, `kubelet:`; comments left out).
 */
const KUBE_PROMETHEUS_STACK_DEFAULTS: Values = {
  'kubelet': {
    enabled: true,
    namespace: 'kube-system',
    serviceMonitor: {
      enabled: true,
      kubelet: true,
      attachMetadata: { node: false },
      interval: '',
      honorLabels: true,
      honorTimestamps: true,
      trackTimestampsStaleness: true,
      sampleLimit: 0,
      targetLimit: 0,
      labelLimit: 0,
      labelNameLengthLimit: 0,
      labelValueLengthLimit: 0,
      proxyUrl: '',
      https: true,
      insecureSkipVerify: true,
      probes: true,
      resource: false,
      resourcePath: '/metrics/resource/v1alpha1',
      resourceInterval: '10s',
      cAdvisor: true,
      cAdvisorInterval: '10s',
      cAdvisorMetricRelabelings: CHART_CADVISOR_METRIC_RELABELINGS,
      probesMetricRelabelings: [],
      cAdvisorRelabelings: [{ action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }],
      probesRelabelings: [{ action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }],
      resourceRelabelings: [{ action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }],
      metricRelabelings: [
        { action: 'drop', sourceLabels: ['__name__', 'le'], regex: '(csi_operations|storage_operation_duration)_seconds_bucket;(0.25|2.5|15|25|120|600)(\\.0)?' },
      ],
      relabelings: [{ action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }],
      additionalLabels: {},
      targetLabels: [],
    },
  },
  // What kube-prometheus-stack sets for its subchart (values.yaml, `prometheus-node-exporter:`).
  'prometheus-node-exporter': {
    namespaceOverride: '',
    podLabels: { jobLabel: 'node-exporter' },
    releaseLabel: true,
    service: { portName: 'http-metrics', labels: { jobLabel: 'node-exporter' } },
    prometheus: {
      monitor: {
        enabled: true,
        jobLabel: 'jobLabel',
        interval: '',
        sampleLimit: 0,
        targetLimit: 0,
        labelLimit: 0,
        labelNameLengthLimit: 0,
        labelValueLengthLimit: 0,
        scrapeTimeout: '',
        proxyUrl: '',
        metricRelabelings: [],
        relabelings: [],
      },
    },
  },
};

/** The subchart's own defaults those templates read (prometheus-node-exporter 4.56.1 values.yaml). */
const NODE_EXPORTER_DEFAULTS: Values = {
  nameOverride: '',
  fullnameOverride: '',
  namespaceOverride: '',
  releaseLabel: false,
  commonLabels: {},
  podLabels: {},
  service: { enabled: true, type: 'ClusterIP', port: 9100, servicePort: '', targetPort: 9100, portName: 'metrics', annotations: { 'prometheus.io/scrape': 'true' }, labels: {} },
  prometheus: {
    monitor: {
      enabled: false,
      additionalLabels: {},
      namespace: '',
      jobLabel: '',
      podTargetLabels: [],
      targetLabels: [],
      scheme: 'http',
      basicAuth: {},
      bearerTokenFile: null,
      tlsConfig: {},
      proxyUrl: '',
      selectorOverride: {},
      attachMetadata: { node: false },
      relabelings: [],
      metricRelabelings: [],
      interval: '',
      scrapeTimeout: '10s',
      apiVersion: '',
      sampleLimit: 0,
      targetLimit: 0,
      labelLimit: 0,
      labelNameLengthLimit: 0,
      labelValueLengthLimit: 0,
    },
  },
};

/**
 * Helm's coalescing of values over defaults: maps merge key by key, anything else (lists included)
 * replaces, and a null removes the key.
 */
export function helmMerge(base: Values, overlay: Values | undefined): Values {
  const out: Values = JSON.parse(JSON.stringify(base));
  for (const [key, value] of Object.entries(overlay ?? {})) {
    if (value === null) {
      delete out[key];
    } else if (isMap(value) && isMap(out[key])) {
      out[key] = helmMerge(out[key], value);
    } else {
      out[key] = JSON.parse(JSON.stringify(value));
    }
  }
  return out;
}

function isMap(value: unknown): value is Values {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Go template truthiness (`if`, `with`): false, 0, "", nil and empty maps and lists are empty. */
function present(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return true;
}

/** `{{- with .X }} key: {{ . }}{{ end }}` for each key. */
function withEach(values: Values, keys: string[]): Values {
  const out: Values = {};
  for (const key of keys) if (present(values[key])) out[key] = values[key];
  return out;
}

const SCRAPE_LIMITS = ['sampleLimit', 'targetLimit', 'labelLimit', 'labelNameLengthLimit', 'labelValueLengthLimit'];

/** `kube-prometheus-stack.fullname` without nameOverride or fullnameOverride. */
export function kubePrometheusStackFullname(release: string): string {
  const name = 'kube-prometheus-stack';
  const full = release.includes(name) ? release : `${release}-${name}`;
  return full.slice(0, 26).replace(/-+$/, '');
}

/** `prometheus-node-exporter.fullname` without overrides. */
export function nodeExporterFullname(release: string): string {
  const name = 'prometheus-node-exporter';
  const full = release.includes(name) ? release : `${release}-${name}`;
  return full.slice(0, 63).replace(/-+$/, '');
}

/** Where and as whom the chart is installed. */
export interface Release {
  readonly name: string;
  readonly namespace: string;
}

/** `kube-prometheus-stack.labels`. */
function stackLabels(release: Release): { [key: string]: string } {
  return {
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/instance': release.name,
    'app.kubernetes.io/version': KUBE_PROMETHEUS_STACK_VERSION,
    'app.kubernetes.io/part-of': 'kube-prometheus-stack',
    'chart': `kube-prometheus-stack-${KUBE_PROMETHEUS_STACK_VERSION}`,
    'release': release.name,
    'heritage': 'Helm',
  };
}

/** The values the kube-prometheus-stack templates see for `values` given by the user. */
export function stackValues(userValues: Values = {}): Values {
  return helmMerge(KUBE_PROMETHEUS_STACK_DEFAULTS, userValues);
}

/** The values the prometheus-node-exporter subchart's templates see. */
export function nodeExporterValues(userValues: Values = {}): Values {
  return helmMerge(NODE_EXPORTER_DEFAULTS, stackValues(userValues)['prometheus-node-exporter']);
}

/**
 * templates/exporters/kubelet/servicemonitor.yaml (ignoreNamespaceSelectors false, so the release
 * namespace), for the given user values; undefined when the template renders nothing.
 */
export function kubeletServiceMonitor(release: Release, userValues: Values = {}): any {
  const values = stackValues(userValues);
  const sm = values.kubelet.serviceMonitor;
  if (!(present(values.kubelet.enabled) && present(sm.enabled))) return undefined;
  const scheme = sm.https ? 'https' : 'http';
  const port = `${scheme}-metrics`;
  // kube-prometheus-stack.kubelet.authConfig
  const auth = sm.https
    ? { tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', insecureSkipVerify: sm.insecureSkipVerify }, bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }
    : {};
  const common = (interval: unknown) => ({
    port,
    scheme,
    ...(interval !== undefined ? { interval } : {}),
    ...(present(sm.proxyUrl) ? { proxyUrl: sm.proxyUrl } : {}),
    ...(present(sm.scrapeTimeout) ? { scrapeTimeout: sm.scrapeTimeout } : {}),
  });
  const lists = (metricKey: string, relabelKey: string) => ({
    ...(present(sm[metricKey]) ? { metricRelabelings: sm[metricKey] } : {}),
    ...(present(sm[relabelKey]) ? { relabelings: sm[relabelKey] } : {}),
  });
  // cAdvisor and resource: honorTimestamps true when trackTimestampsStaleness is on.
  const staleness = {
    honorLabels: sm.honorLabels,
    honorTimestamps: sm.trackTimestampsStaleness ? true : sm.honorTimestamps,
    trackTimestampsStaleness: sm.trackTimestampsStaleness,
  };
  const plain = { honorLabels: sm.honorLabels, honorTimestamps: sm.honorTimestamps };
  const interval = present(sm.interval) ? sm.interval : undefined;
  const endpoints: any[] = [];
  if (present(sm.kubelet)) {
    endpoints.push({ ...common(interval), ...auth, ...plain, ...lists('metricRelabelings', 'relabelings') });
  }
  if (present(sm.cAdvisor)) {
    const path = { path: '/metrics/cadvisor' };
    endpoints.push({ ...common(interval ?? sm.cAdvisorInterval), ...path, ...staleness, ...auth, ...lists('cAdvisorMetricRelabelings', 'cAdvisorRelabelings') });
  }
  if (present(sm.probes)) {
    const path = { path: '/metrics/probes' };
    endpoints.push({ ...common(interval), ...path, ...plain, ...auth, ...lists('probesMetricRelabelings', 'probesRelabelings') });
  }
  if (present(sm.resource)) {
    const path = { path: sm.resourcePath };
    endpoints.push({ ...common(interval ?? sm.resourceInterval), ...path, ...staleness, ...auth, ...lists('resourceMetricRelabelings', 'resourceRelabelings') });
  }
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      name: `${kubePrometheusStackFullname(release.name)}-kubelet`,
      namespace: release.namespace,
      labels: { app: 'kube-prometheus-stack-kubelet', ...(sm.additionalLabels ?? {}), ...stackLabels(release) },
    },
    spec: {
      ...withEach(sm, SCRAPE_LIMITS),
      ...(present(sm.attachMetadata) ? { attachMetadata: sm.attachMetadata } : {}),
      jobLabel: 'k8s-app',
      ...(present(sm.targetLabels) ? { targetLabels: sm.targetLabels } : {}),
      namespaceSelector: { matchNames: [values.kubelet.namespace] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' } },
      endpoints,
    },
  };
}

/** `prometheus-node-exporter.labels` (with kube-prometheus-stack's releaseLabel: true). */
function nodeExporterLabels(release: Release, values: Values): { [key: string]: string } {
  return {
    'helm.sh/chart': `prometheus-node-exporter-${NODE_EXPORTER_CHART_VERSION}`,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/component': 'metrics',
    'app.kubernetes.io/part-of': 'prometheus-node-exporter',
    ...nodeExporterSelectorLabels(release),
    'app.kubernetes.io/version': NODE_EXPORTER_APP_VERSION,
    ...(values.commonLabels ?? {}),
    ...(values.releaseLabel ? { release: release.name } : {}),
  };
}

function nodeExporterSelectorLabels(release: Release): { [key: string]: string } {
  return { 'app.kubernetes.io/name': 'prometheus-node-exporter', 'app.kubernetes.io/instance': release.name };
}

/** The subchart's templates/servicemonitor.yaml; undefined when it renders nothing. */
export function nodeExporterServiceMonitor(release: Release, userValues: Values = {}): any {
  const values = nodeExporterValues(userValues);
  const monitor = values.prometheus.monitor;
  if (!present(monitor.enabled)) return undefined;
  return {
    apiVersion: present(monitor.apiVersion) ? monitor.apiVersion : 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      name: nodeExporterFullname(release.name),
      namespace: present(values.namespaceOverride) ? values.namespaceOverride : present(monitor.namespace) ? monitor.namespace : release.namespace,
      labels: { ...nodeExporterLabels(release, values), ...(monitor.additionalLabels ?? {}) },
    },
    spec: {
      jobLabel: present(monitor.jobLabel) ? monitor.jobLabel : 'app.kubernetes.io/name',
      ...withEach(monitor, SCRAPE_LIMITS),
      ...withEach(monitor, ['podTargetLabels', 'targetLabels']),
      selector: { matchLabels: present(monitor.selectorOverride) ? monitor.selectorOverride : nodeExporterSelectorLabels(release) },
      ...(present(monitor.attachMetadata) ? { attachMetadata: monitor.attachMetadata } : {}),
      endpoints: [{
        port: values.service.portName,
        scheme: monitor.scheme,
        ...withEach(monitor, ['basicAuth', 'bearerTokenFile', 'tlsConfig', 'proxyUrl', 'interval', 'scrapeTimeout', 'relabelings', 'metricRelabelings']),
      }],
    },
  };
}

/** The subchart's templates/service.yaml (type ClusterIP, no clusterIP given: the API server allocates one). */
export function nodeExporterService(release: Release, userValues: Values = {}): any {
  const values = nodeExporterValues(userValues);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: nodeExporterFullname(release.name),
      namespace: release.namespace,
      labels: { ...nodeExporterLabels(release, values), ...values.service.labels },
      annotations: values.service.annotations,
    },
    spec: {
      type: values.service.type,
      ports: [{ port: present(values.service.servicePort) ? values.service.servicePort : values.service.port, targetPort: values.service.targetPort, protocol: 'TCP', name: values.service.portName }],
      selector: nodeExporterSelectorLabels(release),
    },
  };
}

/**
 * The subchart's templates/daemonset.yaml, reduced to what the API server requires and discovery
 * reads: selector, the pod template's labels (the chart's labels and podLabels), hostNetwork, the
 * node-exporter container and its port.
 */
export function nodeExporterDaemonSet(release: Release, userValues: Values = {}): any {
  const values = nodeExporterValues(userValues);
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: nodeExporterFullname(release.name), namespace: release.namespace, labels: nodeExporterLabels(release, values) },
    spec: {
      selector: { matchLabels: nodeExporterSelectorLabels(release) },
      template: {
        metadata: { labels: { ...nodeExporterLabels(release, values), ...values.podLabels } },
        spec: {
          automountServiceAccountToken: false,
          serviceAccountName: nodeExporterFullname(release.name),
          hostNetwork: true,
          hostPID: true,
          containers: [{
            name: 'node-exporter',
            image: `quay.io/prometheus/node-exporter:v${NODE_EXPORTER_APP_VERSION}-distroless`,
            ports: [{ name: values.service.portName, containerPort: values.service.port, protocol: 'TCP' }],
          }],
        },
      },
    },
  };
}

/**
 * A pod of the DaemonSet on a node, as the DaemonSet controller creates it (generated name, owner
 * reference, the template, spec.nodeName) and as the kubelet reports it running: a hostNetwork pod
 * has its node's IP.
 */
export function daemonSetPod(daemonSet: any, nodeName: string, nodeIp: string, suffix: string): { object: any; status: any } {
  return {
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${daemonSet.metadata.name}-${suffix}`,
        namespace: daemonSet.metadata.namespace,
        labels: daemonSet.spec.template.metadata.labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: daemonSet.metadata.name, uid: daemonSet.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...daemonSet.spec.template.spec, nodeName },
    },
    status: {
      phase: 'Running',
      podIP: nodeIp,
      podIPs: [{ ip: nodeIp }],
      hostIP: nodeIp,
      hostIPs: [{ ip: nodeIp }],
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }],
    },
  };
}

/**
 * The Endpoints the endpoints controller writes for a Service with a selector and its ready pods:
 * the Service's labels plus endpoints.kubernetes.io/managed-by, one subset, each address with its
 * pod's node and a Pod targetRef, the Service's ports by name.
 */
export function controllerEndpoints(service: any, pods: any[]): any {
  const addresses = pods
    .map((p) => ({ ip: p.status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid } }))
    .sort((a, b) => a.ip.localeCompare(b.ip));
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: service.metadata.name,
      namespace: service.metadata.namespace,
      labels: { ...service.metadata.labels, 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() },
    },
    subsets: [{ addresses, ports: service.spec.ports.map((p: any) => ({ name: p.name, port: p.targetPort, protocol: p.protocol })) }],
  };
}

/** The EndpointSlice the EndpointSlice controller writes for the same Service and pods. */
export function controllerEndpointSlice(service: any, pods: any[]): any {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: service.metadata.namespace,
      labels: { ...service.metadata.labels, 'kubernetes.io/service-name': service.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service.metadata.name, uid: service.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: pods.map((p) => ({
      addresses: [p.status.podIP],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: p.spec.nodeName,
      targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
    })),
    ports: service.spec.ports.map((p: any) => ({ name: p.name, port: p.targetPort, protocol: p.protocol })),
  };
}

/** The kubelet Service's name the chart gives the operator (`--kubelet-service`). */
export function kubeletServiceName(release: Release): string {
  return `${kubePrometheusStackFullname(release.name)}-kubelet`;
}

const KUBELET_LABELS = { 'k8s-app': 'kubelet', 'app.kubernetes.io/name': 'kubelet', 'app.kubernetes.io/managed-by': 'prometheus-operator' };
/** The kubelet ports the operator writes (https-metrics, cadvisor, and http-metrics with --kubelet-http-metrics, its default). */
const KUBELET_PORTS = [{ name: 'https-metrics', port: 10250 }, { name: 'cadvisor', port: 4194 }, { name: 'http-metrics', port: 10255 }];

/** The operator's kubelet Service (syncService): headless, no selector. */
export function operatorKubeletService(name: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'kube-system', labels: KUBELET_LABELS },
    spec: { type: 'ClusterIP', clusterIP: 'None', ports: KUBELET_PORTS },
  };
}

/** A Node as the operator lists it: name, uid and its InternalIP (the default address priority). */
export interface KubeletNode {
  readonly name: string;
  readonly uid: string;
  readonly internalIp: string;
}

/** Nodes as the operator orders them (by name), and the targetRef it writes (a listed item has no apiVersion). */
function byName(nodes: KubeletNode[]): KubeletNode[] {
  return [...nodes].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The operator's kubelet Endpoints (syncEndpoints) with both --kubelet-endpoints and
 * --kubelet-endpointslice: the skip-mirror label tells the mirroring controller to leave it alone.
 */
export function operatorKubeletEndpoints(name: string, nodes: KubeletNode[]): any {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'kube-system', labels: { ...KUBELET_LABELS, 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{
      addresses: byName(nodes).map((n) => ({ ip: n.internalIp, nodeName: n.name, targetRef: { kind: 'Node', name: n.name, uid: n.uid } })),
      ports: KUBELET_PORTS,
    }],
  };
}

/** The operator's kubelet EndpointSlice (syncEndpointSlice), owned by its Service. */
export function operatorKubeletEndpointSlice(service: any, nodes: KubeletNode[]): any {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: 'kube-system',
      labels: { 'kubernetes.io/service-name': service.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'prometheus-operator', ...KUBELET_LABELS },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service.metadata.name, uid: service.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: byName(nodes).map((n) => ({
      addresses: [n.internalIp],
      conditions: { ready: true },
      nodeName: n.name,
      targetRef: { kind: 'Node', name: n.name, uid: n.uid },
    })),
    ports: KUBELET_PORTS,
  };
}

/**
 * The chart's Prometheus ClusterRole rules (templates/prometheus/clusterrole.yaml with the default
 * values: cAdvisor on; the resource path when that endpoint is on).
 */
export function prometheusClusterRoleRules(userValues: Values = {}): any[] {
  const sm = stackValues(userValues).kubelet.serviceMonitor;
  return [
    { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
    { nonResourceURLs: ['/metrics', ...(present(sm.cAdvisor) ? ['/metrics/cadvisor'] : []), ...(present(sm.resource) ? [sm.resourcePath] : [])], verbs: ['get'] },
  ];
}

/**
 * What the config-reloader does to the generated configuration before Prometheus reads it: it
 * expands `$(NAME)` from its environment, where the operator sets SHARD (the shard's number) and
 * POD_NAME (pkg/operator/config_reloader.go ShardEnvVar, PodNameEnvVar). Without it the operator's
 * sharding keep (`regex: $(SHARD);|.+;.+`, appended to every ServiceMonitor job) drops every target.
 */
export function configReloaderSubstitution(config: string, env: { [name: string]: string }): string {
  return config.replace(/\$\(([a-zA-Z_0-9]+)\)/g, (whole, name: string) => {
    if (env[name] === undefined) throw new Error(`the configuration refers to ${whole}, which the config-reloader's environment lacks`);
    return env[name];
  });
}
