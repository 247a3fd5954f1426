/** Options of the tunnel-nodes `hosts` directive. */
export interface TunnelHostsOptions {
  /**
   * Path of the hosts file inside the CoreDNS pod: where ConfigMap `kube-system/edge-tunnel-nodes`
   * (key `tunnel-nodes`, maintained by yurt-manager) is mounted.
   *
   * @default - `/etc/edge/tunnel-nodes`
   */
  readonly hostsFile?: string;

  /**
   * How often CoreDNS re-reads the hosts file, as a Go duration string (`300ms`, `5s`, `1m`); `0` disables reloading.
   *
   * @default - `300ms`, as in OpenYurt's raven-proxy-dns
   * @see https://coredns.io/plugins/hosts/
   */
  readonly reloadInterval?: string;

  /**
   * TTL in seconds (1 to 65535) of the answers built from the hosts file.
   *
   * @default - no `ttl` line: CoreDNS answers with a TTL of 3600 seconds
   */
  readonly ttlSeconds?: number;

  /**
   * Zones for which a name missing from the hosts file is passed on to the next plugin. When set,
   * it must include the root zone `.`, or every other name would be answered NXDOMAIN.
   *
   * @default - a bare `fallthrough`: every zone falls through (required, or cluster DNS breaks)
   */
  readonly fallthroughZones?: string[];

  /**
   * Contents of files imported inside server blocks, keyed by the import's path or glob as written
   * in the Corefile (e.g. `/etc/coredns/custom/*.override`) or by a file path that glob matches,
   * so that they can be checked for a `hosts` directive.
   *
   * @default - imported files are not checked; each file import in an edited block adds a warning
   */
  readonly importedFiles?: { [pathOrGlob: string]: string };
}
