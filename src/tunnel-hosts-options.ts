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
   * How often CoreDNS re-reads the hosts file, as a Go duration string (`300ms`, `5s`, `1m`). `0`
   * makes CoreDNS read the file once, at start, and never again: a node added later resolves only
   * after CoreDNS restarts, and none does if CoreDNS started before yurt-manager created the
   * ConfigMap (the volume is optional, so the file was missing); the edit warns about it.
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
   * it must include the root zone `.`: the plugin answers SERVFAIL for any other name it does not know.
   *
   * @default - a bare `fallthrough`: every zone falls through (required, or cluster DNS breaks)
   */
  readonly fallthroughZones?: string[];

  /**
   * Whether the hosts plugin answers reverse (PTR) lookups of the file's addresses. With Raven's L7
   * proxy every node maps to the one proxy ClusterIP, so the reverse lookup of that address would
   * return one PTR record per node where the `kubernetes` plugin answers the Service's own name:
   * for 500 nodes about 26 KB over TCP, truncated over UDP even with a 4096-byte EDNS0 buffer
   * (149 records fit). Nothing on the scrape path asks for it. When false, the block gets
   * `no_reverse` and reverse lookups are answered as before the edit.
   *
   * A tunnel-nodes block already in the Corefile is kept with or without `no_reverse` while this
   * is unset (OpenYurt's raven-proxy-dns and the manual recipe write none; a warning says so); set
   * it to require one or the other.
   *
   * @default - false: `no_reverse` is written
   * @see https://coredns.io/plugins/hosts/
   */
  readonly reverseLookups?: boolean;

  /**
   * Contents of files imported inside server blocks, keyed by the import's path or glob as written
   * in the Corefile (e.g. `/etc/coredns/custom/*.override`) or by a file path that glob matches,
   * so that they can be checked for a `hosts` directive.
   *
   * @default - imported files are not checked; each file import in an edited block adds a warning
   */
  readonly importedFiles?: { [pathOrGlob: string]: string };
}
