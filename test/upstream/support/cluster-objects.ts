/**
 * Cluster objects the labs and benches write into their control plane: kube-prometheus-stack's
 * node-exporter pod on a node, and objects whose status no controller writes here.
 */
import { KubeClient } from './kube-client';

/** An object and the status to set on it once created. */
export interface WithStatus {
  readonly object: any;
  readonly status: any;
}

/**
 * The pod kube-prometheus-stack's node-exporter DaemonSet (chart release `release`) runs on a
 * node: host network, the chart's labels (which the library's node-exporter scrape selects on),
 * port 9100 named `http-metrics`.
 */
export function nodeExporterPod(nodeName: string, namespace: string, release: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${release}-prometheus-node-exporter-${nodeName}`,
      namespace,
      labels: { 'app.kubernetes.io/name': 'prometheus-node-exporter', 'app.kubernetes.io/instance': release, 'jobLabel': 'node-exporter', 'release': release },
    },
    spec: {
      nodeName,
      hostNetwork: true,
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      containers: [{
        name: 'node-exporter',
        image: 'quay.io/prometheus/node-exporter:v1.12.1',
        ports: [{ name: 'http-metrics', containerPort: 9100, protocol: 'TCP' }],
        resources: { requests: { cpu: '10m', memory: '32Mi' } },
      }],
    },
  };
}

/** Creates an object, then sets its status through the status subresource (no kubelet writes it here). */
export async function createWithStatus(client: KubeClient, item: WithStatus): Promise<void> {
  const created = await client.create(item.object);
  const statusPath = item.object.kind === 'Node'
    ? `/api/v1/nodes/${created.metadata.name}/status`
    : `/api/v1/namespaces/${created.metadata.namespace}/pods/${created.metadata.name}/status`;
  await client.must('PATCH', statusPath, { status: item.status }, 'application/merge-patch+json');
}
