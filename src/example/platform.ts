import { App, Chart } from 'cdk8s';
import {
  CoreDnsDeployment,
  Corefile,
  DnsStrategy,
  NodeAddressing,
  NodeSelection,
  RavenPrometheus,
} from '../index';
import { EXAMPLE_CLOUD_GATEWAY } from './cloud-gateway';

/**
 * The example platform stack: the seed scenario, done the production way. A cloud Prometheus
 * (kube-prometheus-stack, Helm release `foundation-core`, namespace `monitor`) scrapes the edge
 * nodes of a kubeadm-based OpenYurt cluster through Raven: the cluster CoreDNS resolves node names
 * with the tunnel-nodes hosts file, the cloud Gateway proxies 9100 and 10250, and the GPU edge
 * nodes' dcgm-exporter is scraped the same way.
 */
export function buildExamplePlatform(app: App, clusterName: string = 'edge-cluster'): Chart {
  const chart = new Chart(app, `${clusterName}-raven-prometheus`, { namespace: 'monitor' });
  new RavenPrometheus(chart, 'raven', {
    release: 'foundation-core',
    // Seed Steps 1-3. A real cluster passes its exported Corefile and Deployment
    // (CoreDnsDeployment.fromFile('coredns-deployment.yaml')).
    dns: DnsStrategy.editClusterCoreDns({
      corefile: Corefile.kubeadmDefault().toString(),
      deployment: CoreDnsDeployment.kubeadm(),
    }),
    addressing: NodeAddressing.nodeName(),
    nodes: NodeSelection.edgeOnly(),
    gateway: EXAMPLE_CLOUD_GATEWAY,
    extraScrapes: [{
      name: 'dcgm-exporter-raven',
      jobLabel: 'dcgm-exporter',
      port: 9400,
      nodes: NodeSelection.withLabels({ 'openyurt.io/is-edge-worker': 'true', 'nvidia.com/gpu.present': 'true' }),
    }],
  });
  return chart;
}
