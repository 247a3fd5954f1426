import { createHash } from 'crypto';
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CoreDnsDeployment } from './coredns-deployment';
import { Corefile, CorefileEdit } from './corefile';
import { BASE_COREFILE_ANNOTATION, clusterOwnedAnnotations } from './private/applied-fields';
import { coreObject } from './private/core-objects';
import { toWholeSeconds, tunnelNodesReload } from './private/coredns-duration';
import { tunnelHostsEdit } from './private/corefile-edits';
import { checkKnownProps } from './private/known-props';
import { checkTunnelNodesMountPath } from './private/mount-paths';
import { checkObjectsOf, whenWrittenTwice } from './private/object-checks';
import {
  addWarnings, checkDataKey, checkDataSize, checkDnsLabel, checkDnsSubdomain, checkDuration, checkInstance, checkList, checkObject, inChart, invalid,
} from './private/validation';

/**
 * Props for `RavenCoreDns`.
 */
export interface RavenCoreDnsProps {
  /**
   * The cluster's current Corefile, e.g. from
   * `kubectl get configmap coredns -n kube-system -o jsonpath='{.data.Corefile}'`.
   *
   * Applying the ConfigMap replaces the whole Corefile, so there is no default: a fresh
   * kubeadm cluster passes `Corefile.kubeadmDefault().toString()`.
   */
  readonly corefile: string;

  /**
   * The name of the CoreDNS ConfigMap (RKE2: `rke2-coredns-rke2-coredns`).
   *
   * @default "coredns"
   */
  readonly name?: string;

  /**
   * The namespace of CoreDNS.
   *
   * @default "kube-system"
   */
  readonly namespace?: string;

  /**
   * Other data keys of the ConfigMap, kept as they are (e.g. `NodeHosts` on k3s).
   *
   * @default - none
   */
  readonly extraData?: { [key: string]: string };

  /**
   * How often the hosts plugin re-reads the tunnel-nodes file, so that nodes that join are
   * answered. Zero is refused: CoreDNS would read the file once, at start, and a CoreDNS started
   * before yurt-manager created the ConfigMap (the volume is optional) would never answer any node.
   *
   * @default Duration.millis(300)
   * @see https://coredns.io/plugins/hosts/
   */
  readonly reloadInterval?: Duration;

  /**
   * The TTL of the answers for node names.
   *
   * @default - the hosts plugin's default, 3600 seconds
   */
  readonly ttl?: Duration;

  /**
   * Zones for which names missing from the file fall through to the next plugin. When set, it must
   * include the root zone `.`: the plugin serves the root zone, so any other name outside these zones
   * would be answered SERVFAIL.
   *
   * @default - all zones (a bare `fallthrough`)
   */
  readonly fallthroughZones?: string[];

  /**
   * Whether the tunnel-nodes block answers reverse (PTR) lookups. Every node maps to the one proxy
   * ClusterIP, so a reverse lookup of it would return one record per node (about 26 KB for 500
   * nodes, truncated over UDP) instead of the Service's own name; nothing on the scrape path asks
   * for it. `true` writes the block as the manual recipe and OpenYurt's raven-proxy-dns do.
   *
   * @default - false: the block gets `no_reverse`; a tunnel-nodes block already in the Corefile is kept either way
   * @see https://coredns.io/plugins/hosts/
   */
  readonly reverseLookups?: boolean;

  /**
   * Contents of files imported inside server blocks (e.g. k3s's `/etc/coredns/custom/*.override`),
   * keyed by the path or glob exactly as the `import` line writes it, so they can be checked for
   * a second `hosts` plugin. Imports not given here are listed as unchecked.
   *
   * @default - imported files are not checked
   */
  readonly importedFiles?: { [pathOrGlob: string]: string };

  /**
   * Which CoreDNS Deployment to write.
   *
   * @default CoreDnsDeployment.kubeadm()
   */
  readonly deployment?: CoreDnsDeployment;

  /**
   * The name of the CoreDNS container in the Deployment.
   *
   * @default "coredns"
   */
  readonly containerName?: string;

  /**
   * The ConfigMap yurt-manager maintains with one `IP<TAB>nodeName` line per node.
   *
   * @default "edge-tunnel-nodes"
   */
  readonly tunnelNodesConfigMap?: string;

  /**
   * Where the tunnel-nodes ConfigMap is mounted in the CoreDNS container; the hosts file is
   * `<path>/tunnel-nodes`.
   *
   * @default "/etc/edge"
   */
  readonly tunnelNodesMountPath?: string;
}

/**
 * Wires OpenYurt's tunnel-nodes hosts file into the cluster CoreDNS (the manual recipe's Steps 1-3), so that
 * node names resolve to the Raven proxy for every pod in the cluster.
 *
 * Synthesizes the CoreDNS ConfigMap with a `hosts <file> { reload 300ms; fallthrough }` plugin added
 * to each server block that serves the root zone over plain DNS, and the CoreDNS Deployment with
 * the `edge-tunnel-nodes` ConfigMap mounted and a Corefile checksum that rolls the pods. The edit
 * only adds lines; a Corefile that cannot be edited safely is refused with the reason.
 *
 * Use `RavenProxyDns` instead where the cluster CoreDNS must not change.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { CoreDnsDeployment, Corefile, RavenCoreDns } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'cluster-dns');
 * // The cluster's Corefile as exported
 * // (kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}'); here kubeadm's.
 * const dns = new RavenCoreDns(chart, 'coredns', {
 *   corefile: Corefile.kubeadmDefault().toString(),
 *   deployment: CoreDnsDeployment.kubeadm(),
 * });
 * // dns.editedBlocks lists the server blocks that now read the tunnel-nodes file, e.g. ['.:53'].
 */
export class RavenCoreDns extends Construct {
  /** The pod-template annotation that carries the Corefile checksum, so a changed Corefile rolls the pods. */
  public static readonly CHECKSUM_ANNOTATION = 'raven-prometheus.cdk8s.io/corefile-sha256';
  /** The ConfigMap annotation that lists file imports whose contents were not checked. */
  public static readonly UNCHECKED_IMPORTS_ANNOTATION = 'raven-prometheus.cdk8s.io/unchecked-imports';
  /**
   * The ConfigMap annotation that records the sha256 (hex) of the Corefile the edit was computed
   * from, so that `cdk8s-raven-prometheus drift` can tell a live Corefile changed since the export
   * (applying would revert that change) from one the edit has not reached yet.
   */
  public static readonly BASE_COREFILE_ANNOTATION = BASE_COREFILE_ANNOTATION;

  /** The CoreDNS ConfigMap. */
  public readonly configMap: ApiObject;
  /** The CoreDNS Deployment, unless `CoreDnsDeployment.none()` was chosen. */
  public readonly deployment?: ApiObject;
  /** The edited Corefile. */
  public readonly corefile: Corefile;
  /** Whether the input needed the edit (false when an equivalent tunnel-nodes hosts block was already there). */
  public readonly changed: boolean;
  /** The keys of the server blocks the edit changed (empty when nothing changed). */
  public readonly editedBlocks: string[];
  /** Things the edit could not check, such as imported files whose contents were not given. */
  public readonly warnings: string[];

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props the cluster's Corefile and CoreDNS Deployment, and the hosts block's options
   */
  public constructor(scope: Construct, id: string, props: RavenCoreDnsProps) {
    super(scope, id);
    const { configMap, deployment, edit } = inChart(scope, id, () => addCoreDnsObjects(this, '', props));
    addWarnings(this, edit.warnings);
    checkObjectsOf(this);
    this.configMap = configMap;
    this.deployment = deployment;
    this.corefile = edit.corefile;
    this.changed = edit.changed;
    this.editedBlocks = edit.editedBlocks;
    this.warnings = edit.warnings;
  }
}

/**
 * The ConfigMap and Deployment of `RavenCoreDns`, as plain `ApiObject`s in `scope` (ids prefixed
 * with `idPrefix`), and the edit.
 */
export function addCoreDnsObjects(scope: Construct, idPrefix: string, props: RavenCoreDnsProps): {
  configMap: ApiObject; deployment?: ApiObject; edit: CorefileEdit;
} {
  const owner = 'RavenCoreDns';
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    invalid(owner, 'props', props, 'the props object ({ corefile: ... })');
  }
  checkKnownProps(owner, 'props', props, 'RavenCoreDnsProps');
  checkInstance(owner, 'deployment', props.deployment, CoreDnsDeployment);
  checkDuration(owner, 'reloadInterval', props.reloadInterval);
  checkDuration(owner, 'ttl', props.ttl);
  checkObject(owner, 'extraData', props.extraData, 'a map of data keys to strings');
  checkObject(owner, 'importedFiles', props.importedFiles, 'a map of import paths to file contents');
  checkList(owner, 'fallthroughZones', props.fallthroughZones, 'a list of zones such as [\'.\']');
  if (typeof props.corefile !== 'string' || props.corefile.trim() === '') {
    invalid(owner, 'corefile', props.corefile, 'the cluster\'s current Corefile text',
      'Export it with kubectl get configmap coredns -n kube-system -o jsonpath=\'{.data.Corefile}\', or pass Corefile.kubeadmDefault().toString() for a fresh kubeadm cluster.');
  }
  const name = checkDnsSubdomain(owner, 'name', props.name ?? 'coredns');
  const namespace = checkDnsLabel(owner, 'namespace', props.namespace ?? 'kube-system');
  const tunnelNodesConfigMap = checkDnsSubdomain(owner, 'tunnelNodesConfigMap', props.tunnelNodesConfigMap ?? 'edge-tunnel-nodes');
  const mountPath = props.tunnelNodesMountPath ?? '/etc/edge';
  if (!/^\/[^\s#"{}]*[^/\s#"{}]$/.test(mountPath)) {
    invalid(owner, 'tunnelNodesMountPath', mountPath, 'an absolute folder path without spaces, quotes, braces or a trailing slash');
  }
  checkTunnelNodesMountPath(owner, mountPath, [], '');
  const containerName = checkDnsLabel(owner, 'containerName', props.containerName ?? 'coredns');
  const extraData = { ...(props.extraData ?? {}) };
  if ('Corefile' in extraData) {
    invalid(owner, 'extraData', 'Corefile', 'keys other than Corefile', 'Pass the Corefile through the corefile prop.');
  }
  for (const key of Object.keys(extraData)) checkDataKey(owner, 'extraData', key);

  const options = {
    hostsFile: `${mountPath}/tunnel-nodes`,
    reloadInterval: tunnelNodesReload(owner, props.reloadInterval),
    ttlSeconds: props.ttl && toWholeSeconds(owner, 'ttl', props.ttl),
    fallthroughZones: props.fallthroughZones,
    reverseLookups: props.reverseLookups,
    importedFiles: props.importedFiles,
  };
  const edit = tunnelHostsEdit(props.corefile, options);

  const data = { ...extraData, Corefile: edit.corefile.toString() };
  checkDataSize(owner, Object.keys(extraData).length > 0 ? 'extraData' : 'corefile', `ConfigMap '${namespace}/${name}'`, data);
  const annotations: { [key: string]: string } = {
    ...clusterOwnedAnnotations(true),
    [BASE_COREFILE_ANNOTATION]: createHash('sha256').update(props.corefile).digest('hex'),
  };
  if (edit.warnings.length > 0) annotations[RavenCoreDns.UNCHECKED_IMPORTS_ANNOTATION] = edit.warnings.join('\n');
  const configMap = whenWrittenTwice(coreObject(scope, `${idPrefix}ConfigMap`, 'ConfigMap', { name, namespace, annotations }, { data }), EDIT_ONCE);

  const checksum = createHash('sha256').update(JSON.stringify(Object.entries(data).sort())).digest('hex');
  const rendered = (props.deployment ?? CoreDnsDeployment.kubeadm())._render({
    owner,
    namespace,
    corefileConfigMap: name,
    containerName,
    volumeName: 'edge-hosts',
    tunnelNodesConfigMap,
    mountPath,
    checksumAnnotation: RavenCoreDns.CHECKSUM_ANNOTATION,
    checksum,
  });
  const deployment = rendered ? whenWrittenTwice(new ApiObject(scope, `${idPrefix}Deployment`, rendered), EDIT_ONCE) : undefined;
  return { configMap, deployment, edit };
}

const EDIT_ONCE = 'A cluster\'s CoreDNS is edited once: keep DnsStrategy.editClusterCoreDns() (or RavenCoreDns) on one stack of the cluster '
  + 'and give the others DnsStrategy.none() with addressing: NodeAddressing.nodeName(); node names then resolve for every pod.';
