/**
 * The cloud Gateway of the example cluster, as `kubectl get gateways.raven.openyurt.io
 * gw-cloud -o yaml` prints it (converted to JSON): exposed by public IP, L7 proxy on,
 * already proxying the kubelet's read-only port 10255 (HTTP) and 9445 (HTTPS).
 */
export const EXAMPLE_CLOUD_GATEWAY = {
  apiVersion: 'raven.openyurt.io/v1beta1',
  kind: 'Gateway',
  metadata: {
    creationTimestamp: '2026-09-14T08:21:05Z',
    generation: 4,
    name: 'gw-cloud',
    resourceVersion: '918273',
    uid: '7d3f1c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b',
  },
  spec: {
    endpoints: [
      { nodeName: 'cloud-master-1', type: 'proxy', port: 10262, underNAT: false, publicIP: '203.0.113.10', config: { 'enable-l7-proxy': 'true' } },
      { nodeName: 'cloud-master-1', type: 'tunnel', port: 4500, underNAT: false, publicIP: '203.0.113.10', config: { 'enable-l3-tunnel': 'true' } },
    ],
    exposeType: 'PublicIP',
    nodeSelector: { matchLabels: { 'raven.openyurt.io/gateway': 'gw-cloud' } },
    proxyConfig: { Replicas: 1, proxyHTTPPort: '10255', proxyHTTPSPort: '9445' },
    tunnelConfig: { Replicas: 1 },
  },
  status: {
    activeEndpoints: [{ nodeName: 'cloud-master-1', type: 'proxy', port: 10262, publicIP: '203.0.113.10' }],
  },
};
