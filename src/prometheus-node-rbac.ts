import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { markClusterScoped } from './private/cluster-scoped';
import { coreObject, PolicyRuleJson } from './private/core-objects';
import { checkKnownProps } from './private/known-props';
import { resolveNamespace } from './private/namespace';
import { checkObjectsOf, whenWrittenTwice } from './private/object-checks';
import { checkBoolean, checkDnsSubdomain, inChart, invalid } from './private/validation';

/**
 * Props for `PrometheusNodeRbac`.
 */
export interface PrometheusNodeRbacProps {
  /**
   * The ServiceAccount Prometheus runs as.
   *
   * @default "prometheus"
   */
  readonly serviceAccountName?: string;

  /**
   * The ServiceAccount's namespace.
   *
   * @default - the chart's namespace
   */
  readonly serviceAccountNamespace?: string;

  /**
   * The name of the ClusterRole and ClusterRoleBinding. Both are cluster-wide, so the default
   * names them after the Prometheus they are for: two Prometheus of one cluster (two namespaces,
   * two releases) each get their own, instead of the last one applied taking the other's access.
   *
   * @default - `raven-prometheus-node-scraper:<serviceAccountNamespace>:<serviceAccountName>`
   */
  readonly name?: string;

  /**
   * Grant get/list/watch on pods, which pod discovery needs.
   *
   * @default false
   */
  readonly podDiscovery?: boolean;

  /**
   * Grant get on `nodes/metrics`, which the kubelet checks for the identity a scrape presents.
   *
   * Only needed where Prometheus's own token reaches the kubelet. Through Raven it never does:
   * the proxy dials the kubelet with its own client certificate (`tunnel-proxy-client`, bound to
   * `raven-proxy-user` by the raven-agent chart), and the kubelet authenticates a client
   * certificate before a bearer token, so the token is ignored and this grant is unused.
   *
   * @default false
   */
  readonly nodeMetrics?: boolean;
}

/**
 * The least privilege Prometheus needs to scrape nodes through Raven, as a ClusterRole and its binding.
 *
 * get/list/watch `nodes` (discovery), get/list/watch `pods` only with pod discovery, and get
 * `nodes/metrics` only where Prometheus's token is sent to the kubelet (`nodeMetrics`). No
 * `nodes/proxy`, no secrets, no wildcards.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { PrometheusNodeRbac } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new PrometheusNodeRbac(chart, 'rbac', { serviceAccountName: 'kube-prometheus-stack-prometheus', podDiscovery: true });
 */
export class PrometheusNodeRbac extends Construct {
  /** The ClusterRole. */
  public readonly clusterRole: ApiObject;
  /** The ClusterRoleBinding. */
  public readonly clusterRoleBinding: ApiObject;

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props the ServiceAccount Prometheus runs as, and whether pods are discovered
   */
  public constructor(scope: Construct, id: string, props: PrometheusNodeRbacProps = {}) {
    super(scope, id);
    checkKnownProps('PrometheusNodeRbac', 'props', props, 'PrometheusNodeRbacProps', scope, id);
    const objects = inChart(scope, id, () => addNodeRbacObjects(this, props ?? {}));
    checkObjectsOf(this);
    this.clusterRole = objects.clusterRole;
    this.clusterRoleBinding = objects.clusterRoleBinding;
  }
}

/** The ClusterRole and ClusterRoleBinding of `PrometheusNodeRbac`, as plain `ApiObject`s in `scope`. */
export function addNodeRbacObjects(scope: Construct, props: PrometheusNodeRbacProps): { clusterRole: ApiObject; clusterRoleBinding: ApiObject } {
  const owner = 'PrometheusNodeRbac';
  checkBoolean(owner, 'podDiscovery', props.podDiscovery);
  checkBoolean(owner, 'nodeMetrics', props.nodeMetrics);
  const serviceAccountName = checkDnsSubdomain(owner, 'serviceAccountName', props.serviceAccountName ?? 'prometheus');
  const serviceAccountNamespace = resolveNamespace(scope, owner, props.serviceAccountNamespace, 'serviceAccountNamespace');
  const name = props.name ?? nodeScraperRbacName(serviceAccountNamespace, serviceAccountName);
  if (typeof name !== 'string') invalid(owner, 'name', name, 'a string');
  checkDnsSubdomain(owner, 'name', name.replace(/:/g, '-'));

  const rules: PolicyRuleJson[] = [
    { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  ];
  if (props.nodeMetrics) {
    rules.push({ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] });
  }
  if (props.podDiscovery) {
    rules.push({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] });
  }
  const clusterRole = markClusterScoped(coreObject(scope, 'ClusterRole', 'ClusterRole', { name }, { rules }));
  const clusterRoleBinding = markClusterScoped(coreObject(scope, 'ClusterRoleBinding', 'ClusterRoleBinding', { name }, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace: serviceAccountNamespace }],
  }));
  const hint = `The node scraper RBAC is named after the Prometheus it is for ('${serviceAccountNamespace}/${serviceAccountName}'): `
    + 'write it once per Prometheus (rbac: false on the other stacks for the same Prometheus), or give each its own name.';
  whenWrittenTwice(clusterRole, hint);
  whenWrittenTwice(clusterRoleBinding, hint);
  return { clusterRole, clusterRoleBinding };
}

/** The default name of the node scraper RBAC: one per Prometheus ServiceAccount of the cluster. */
export function nodeScraperRbacName(serviceAccountNamespace: string, serviceAccountName: string): string {
  return `raven-prometheus-node-scraper:${serviceAccountNamespace}:${serviceAccountName}`;
}
