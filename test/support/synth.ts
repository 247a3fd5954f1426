import { App, Chart, Testing } from 'cdk8s';

/** A chart in a fresh app, with the namespace most tests use; null for a chart without namespace. */
export function testChart(namespace: string | null = 'monitor'): Chart {
  // A plain App writes nothing until synth(); Testing.app() would leave a temp folder per test.
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  return new Chart(app, 'test', { namespace: namespace ?? undefined });
}

/** The manifests a chart synthesizes. */
export function synth(chart: Chart): any[] {
  return Testing.synth(chart);
}

/** The single manifest of a kind and name. */
export function findManifest(manifests: any[], kind: string, name: string): any {
  const found = manifests.filter((m) => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named ${name}, found ${found.length} among ${manifests.map((m) => `${m.kind}/${m.metadata?.name}`).join(', ')}`);
  }
  return found[0];
}
