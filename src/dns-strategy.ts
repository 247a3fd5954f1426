import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreDnsObjects, RavenCoreDnsProps } from './raven-core-dns';
import { addProxyDnsObjects, RavenProxyDnsProps } from './raven-proxy-dns';

/**
 * How Prometheus gets node names resolved to the Raven proxy.
 */
export class DnsStrategy {
  /**
   * Edit the cluster CoreDNS (`RavenCoreDns`): every pod resolves node names to the proxy.
   * The seed's way.
   */
  public static editClusterCoreDns(props: RavenCoreDnsProps): DnsStrategy {
    return new DnsStrategy('editClusterCoreDns', props, undefined);
  }

  /**
   * A dedicated CoreDNS (`RavenProxyDns`), OpenYurt's own recipe: only pods that use it as their
   * nameserver (Prometheus, via `dnsPolicy: None` and `dnsConfig`) see node names resolve to the
   * proxy; the cluster CoreDNS stays untouched.
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
