import { Construct } from 'constructs';
import { RavenCoreDns, RavenCoreDnsProps } from './raven-core-dns';
import { RavenProxyDns, RavenProxyDnsProps } from './raven-proxy-dns';

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

  /** @internal */
  public _build(scope: Construct): Construct | undefined {
    if (this.coreDnsProps) return new RavenCoreDns(scope, 'CoreDns', this.coreDnsProps);
    if (this.proxyDnsProps) return new RavenProxyDns(scope, 'ProxyDns', this.proxyDnsProps);
    return undefined;
  }
}
