// A cdk8s app as a user of the published package writes it.
import { App, Chart } from 'cdk8s';
// Resolved only inside the throwaway app that installs the packed tarball.
// eslint-disable-next-line import/no-unresolved
import { KubeletScrape, NodeExporterScrape } from 'cdk8s-raven-prometheus';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'consumer', { namespace: 'monitoring' });
new NodeExporterScrape(chart, 'node-exporter', { labels: { release: 'kube-prometheus-stack' } });
new KubeletScrape(chart, 'kubelet', { labels: { release: 'kube-prometheus-stack' } });
app.synth();
