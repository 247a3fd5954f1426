import { App, Chart } from 'cdk8s';
import { CoreDnsDeployment, Corefile, KubeletScrape, NodeExporterScrape, RavenCoreDns } from '../index';

/**
 * The example platform stack: the seed scenario. A cloud Prometheus of the Helm release
 * `foundation-core` in namespace `monitor` scrapes the edge nodes of a kubeadm cluster through
 * Raven; the cluster CoreDNS resolves node names with OpenYurt's tunnel-nodes hosts file.
 */
export function buildExamplePlatform(app: App, clusterName: string = 'edge-cluster'): Chart[] {
  // Seed Steps 1-3: the cluster CoreDNS. A real cluster passes its exported Corefile and Deployment.
  const dns = new Chart(app, `${clusterName}-coredns`);
  new RavenCoreDns(dns, 'coredns', {
    corefile: Corefile.kubeadmDefault().toString(),
    deployment: CoreDnsDeployment.kubeadm(),
  });

  // Seed Steps 4-5: the scrapes, selected by the Prometheus of release foundation-core.
  const monitoring = new Chart(app, `${clusterName}-monitoring`, { namespace: 'monitor' });
  const selectedByPrometheus = { release: 'foundation-core' };
  new NodeExporterScrape(monitoring, 'node-exporter', { labels: selectedByPrometheus });
  new KubeletScrape(monitoring, 'kubelet', { labels: selectedByPrometheus });

  return [dns, monitoring];
}
