// A cdk8s app as a user of the published package writes it.
import { App, Chart, JsonPatch } from 'cdk8s';
// Resolved only inside the throwaway app that installs the packed tarball.
// eslint-disable-next-line import/no-unresolved
import { Corefile, DnsStrategy, KubeletScrape, NodeExporterScrape, RavenPrometheus } from 'cdk8s-raven-prometheus';

const app = new App({ outdir: 'dist' });

const single = new Chart(app, 'consumer', { namespace: 'monitoring' });
new NodeExporterScrape(single, 'node-exporter', { labels: { release: 'kube-prometheus-stack' } });
new KubeletScrape(single, 'kubelet', { labels: { release: 'kube-prometheus-stack' } });

const stack = new Chart(app, 'stack', { namespace: 'monitoring' });
const raven = new RavenPrometheus(stack, 'raven', {
  release: 'kube-prometheus-stack',
  dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString() }),
});
// The README's "Reaching the objects", against the published typings.
raven.nodeExporterScrape?.addJsonPatch(JsonPatch.add('/spec/scrapeTimeout', '20s'));
for (const scrape of raven.scrapeConfigs) scrape.metadata.addLabel('team', 'platform');
if (raven.proxyHttpPorts.join(',') !== '9100' || raven.proxyHttpsPorts.join(',') !== '10250') {
  throw new Error(`unexpected Gateway ports: HTTP ${raven.proxyHttpPorts}, HTTPS ${raven.proxyHttpsPorts}`);
}

app.synth();
