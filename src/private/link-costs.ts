/**
 * What one scrape of a node puts on its link, both directions, in bytes: Ethernet frames of the
 * request and the answer (gzip, as Prometheus asks for it), the TCP handshake and teardown and, for
 * the kubelet, the TLS handshake raven's proxy makes with it for every request. Measured by
 * `npm run bench:edge` (test/bench/edge-link/results.json, 2026-12-07, `collect[]` that of `ScrapeProfile.edgeLink()`: Prometheus 3.16's request
 * headers, raven-proxy after raven v0.4.4, the kubelet's own code v1.36.3, node_exporter 1.12.1) at
 * 10, 30 and 110 pods of one container each; see docs/performance.md. The bearer token the recipe
 * sends adds about 1.1 KB to a kubelet scrape; the library sends none.
 */
export const MEASURED_PODS = [10, 30, 110] as const;

export const LINK_BYTES_PER_SCRAPE: { readonly [endpoint: string]: readonly [number, number, number] } = {
  'node-exporter': [12658, 12667, 12641],
  'node-exporter collect[]': [10976, 10972, 10959],
  'kubelet:/metrics': [25049, 24884, 25124],
  'kubelet:/metrics/cadvisor': [30994, 127755, 802439],
  'kubelet:/metrics/probes': [6421, 6485, 6412],
  'kubelet:/metrics/resource': [7766, 8885, 13907],
};

/** Bytes per scrape of an endpoint at `pods` pods: linear between the measured sizes, the last segment extended beyond. */
export function linkBytesPerScrape(endpoint: string, pods: number): number {
  const measured = LINK_BYTES_PER_SCRAPE[endpoint];
  if (measured === undefined) throw new Error(`no measured cost for ${endpoint}`);
  if (pods <= MEASURED_PODS[0]) return measured[0];
  const i = pods <= MEASURED_PODS[1] ? 0 : 1;
  const [x0, x1] = [MEASURED_PODS[i], MEASURED_PODS[i + 1]];
  const [y0, y1] = [measured[i], measured[i + 1]];
  return Math.round(y0 + ((y1 - y0) * (pods - x0)) / (x1 - x0));
}
