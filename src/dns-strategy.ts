import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreDnsObjects, RavenCoreDnsProps } from './raven-core-dns';
import { addProxyDnsObjects, RavenProxyDnsProps } from './raven-proxy-dns';

/**
 * How Prometheus gets node names resolved to the Raven proxy.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { CoreDnsDeployment, Corefile, DnsStrategy, NodeAddressing, RavenPrometheus } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new RavenPrometheus(chart, 'raven', {
 *   release: 'kube-prometheus-stack',
 *   // Node names resolve to the Raven proxy in every pod: the cluster CoreDNS reads the tunnel-nodes
 *   // file. Pass the cluster's own Corefile (kubectl -n kube-system get configmap coredns).
 *   dns: DnsStrategy.editClusterCoreDns({
 *     corefile: Corefile.kubeadmDefault().toString(),
 *     deployment: CoreDnsDeployment.kubeadm(),
 *   }),
 *   addressing: NodeAddressing.nodeName(),
 * });
 */
export class DnsStrategy {
  /**
   * Edit the cluster CoreDNS (`RavenCoreDns`): every pod resolves node names to the proxy.
   * The manual recipe's way.
   *
   * @param props the cluster's Corefile and CoreDNS Deployment, as for `RavenCoreDns`
   */
  public static editClusterCoreDns(props: RavenCoreDnsProps): DnsStrategy {
    return new DnsStrategy('editClusterCoreDns', props, undefined);
  }

  /**
   * A dedicated CoreDNS (`RavenProxyDns`), OpenYurt's own recipe: only pods that use it as their
   * nameserver (Prometheus, via `dnsPolicy: None` and `dnsConfig`) see node names resolve to the
   * proxy; the cluster CoreDNS stays untouched.
   *
   * @param props the fixed ClusterIP and image of the dedicated CoreDNS, as for `RavenProxyDns`
   */
  public static dedicatedProxyDns(props: RavenProxyDnsProps): DnsStrategy {
    return new DnsStrategy('dedicatedProxyDns', undefined, props);
  }

  /**
   * No DNS objects: for DNS-free addressing (`NodeAddressing.proxyQuery()`), or when node names
   * already resolve to the proxy for Prometheus.
   */
  public static none(): DnsStrategy {
    return new DnsStrategy('none', undefined, undefined);
  }

  private constructor(
    /** `editClusterCoreDns`, `dedicatedProxyDns` or `none`. */
    public readonly kind: string,
    private readonly coreDnsProps?: RavenCoreDnsProps,
    private readonly proxyDnsProps?: RavenProxyDnsProps,
  ) {}

  /** Whether this strategy makes node names resolvable. */
  public get resolvesNodeNames(): boolean {
    return this.kind !== 'none';
  }

  /**
   * Writes the strategy's objects into `scope` as plain `ApiObject`s (ids prefixed `CoreDns` or
   * `ProxyDns`) and returns them, with what the Corefile edit could not check.
   * @internal
   */
  public _build(scope: Construct): { objects: ApiObject[]; warnings: string[] } {
    if (this.coreDnsProps) {
      const { configMap, deployment, edit } = addCoreDnsObjects(scope, 'CoreDns', this.coreDnsProps);
      return { objects: deployment ? [configMap, deployment] : [configMap], warnings: edit.warnings };
    }
    if (this.proxyDnsProps) return { objects: addProxyDnsObjects(scope, 'ProxyDns', this.proxyDnsProps).objects, warnings: [] };
    return { objects: [], warnings: [] };
  }
}
