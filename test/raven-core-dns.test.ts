import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as yaml from 'yaml';
import { CoreDnsDeployment, Corefile, RavenCoreDns } from '../src';
import { expectValidManifests } from './support/schemas';
import { seedEditedCorefile } from './support/seed';
import { findManifest, synth, testChart } from './support/synth';

const DISTRIBUTIONS = path.join(__dirname, 'corefile', 'distributions');
const EXPORTED_DEPLOYMENT = path.join(__dirname, 'fixtures', 'coredns-deployment.exported.yaml');
const distributionCorefile = (name: string) => fs.readFileSync(path.join(DISTRIBUTIONS, `${name}.Corefile`), 'utf8');
const exportedDeployment = () => yaml.parse(fs.readFileSync(EXPORTED_DEPLOYMENT, 'utf8'));

function coreDns(props: Partial<ConstructorParameters<typeof RavenCoreDns>[2]> = {}): any[] {
  const chart = testChart(null);
  new RavenCoreDns(chart, 'coredns', { corefile: distributionCorefile('kubeadm-v1.31'), ...props });
  return synth(chart);
}

describe('RavenCoreDns', () => {
  test('defaults synthesize the edited coredns ConfigMap and a kubeadm Deployment in kube-system', () => {
    const manifests = coreDns();
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`))
      .toEqual(['ConfigMap/kube-system/coredns', 'Deployment/kube-system/coredns']);
  });

  test('the edited Corefile is the seed\'s Step 1 result, line for line, when reverse lookups are kept as the seed keeps them', () => {
    const edited: string = findManifest(coreDns({ reverseLookups: true }), 'ConfigMap', 'coredns').data.Corefile;
    // The seed adds a comment line of its own and indents the new block's body by 8 instead of
    // following kubeadm's 3-space nesting; everything else must be identical.
    const seedLines = seedEditedCorefile().split('\n').filter((l) => !l.trim().startsWith('# Added:')).map((l) => l.trim());
    expect(edited.split('\n').map((l) => l.trim())).toEqual(seedLines);
  });

  test('the Deployment mounts the tunnel-nodes ConfigMap read-only at /etc/edge, as seed Step 2 patches it', () => {
    const deployment = findManifest(coreDns(), 'Deployment', 'coredns');
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'edge-hosts',
      configMap: { name: 'edge-tunnel-nodes', optional: true, items: [{ key: 'tunnel-nodes', path: 'tunnel-nodes' }] },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'edge-hosts', mountPath: '/etc/edge', readOnly: true });
  });

  test('the pod template carries a checksum that changes with the Corefile (seed Step 3)', () => {
    const checksum = (m: any[]) => findManifest(m, 'Deployment', 'coredns').spec.template.metadata.annotations[RavenCoreDns.CHECKSUM_ANNOTATION];
    const a = checksum(coreDns());
    const b = checksum(coreDns({ reloadInterval: Duration.seconds(5) }));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
    expect(checksum(coreDns())).toBe(a);
  });

  test('an equivalent tunnel-nodes block already there leaves the Corefile unchanged', () => {
    const chart = testChart(null);
    const input = distributionCorefile('openyurt-raven-proxy-dns');
    const dns = new RavenCoreDns(chart, 'coredns', { corefile: input });
    expect(dns.changed).toBe(false);
    expect(findManifest(synth(chart), 'ConfigMap', 'coredns').data.Corefile).toBe(input);
  });

  test('other ConfigMap keys are kept and the name follows the distribution', () => {
    const exported = exportedDeployment();
    exported.spec.template.spec.volumes[0].configMap.name = 'rke2-coredns-rke2-coredns';
    const manifests = coreDns({
      corefile: distributionCorefile('rke2'),
      name: 'rke2-coredns-rke2-coredns',
      extraData: { 'custom.server': 'example.org:53 {\n    whoami\n}\n' },
      deployment: CoreDnsDeployment.fromManifest(exported),
    });
    const cm = findManifest(manifests, 'ConfigMap', 'rke2-coredns-rke2-coredns');
    expect(Object.keys(cm.data).sort()).toEqual(['Corefile', 'custom.server']);
    expect(cm.data['custom.server']).toBe('example.org:53 {\n    whoami\n}\n');
  });

  test('unchecked imports are annotated on the ConfigMap and exposed as warnings', () => {
    const chart = testChart(null);
    const dns = new RavenCoreDns(chart, 'coredns', { corefile: distributionCorefile('aks'), deployment: CoreDnsDeployment.none() });
    expect(dns.warnings.length).toBeGreaterThan(0);
    const cm = findManifest(synth(chart), 'ConfigMap', 'coredns');
    expect(cm.metadata.annotations[RavenCoreDns.UNCHECKED_IMPORTS_ANNOTATION]).toMatch(/custom\/\*\.override/);
  });

  test('CoreDnsDeployment.none() writes only the ConfigMap', () => {
    expect(coreDns({ deployment: CoreDnsDeployment.none() }).map((m) => m.kind)).toEqual(['ConfigMap']);
  });

  test('kubeadm Deployment image and replicas are props', () => {
    const d = findManifest(coreDns({ deployment: CoreDnsDeployment.kubeadm({ image: 'registry.k8s.io/coredns/coredns:v1.12.0', replicas: 3 }) }), 'Deployment', 'coredns');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.k8s.io/coredns/coredns:v1.12.0');
  });

  test('reload, ttl and fallthrough zones reach the hosts block', () => {
    const corefile = findManifest(coreDns({ reloadInterval: Duration.seconds(2), ttl: Duration.seconds(30), fallthroughZones: ['.'] }), 'ConfigMap', 'coredns').data.Corefile;
    expect(corefile).toContain('    hosts /etc/edge/tunnel-nodes {\n       ttl 30\n       no_reverse\n       reload 2s\n       fallthrough .\n    }\n');
  });

  test('by default the hosts block has no_reverse, so the proxy Service keeps its own reverse name', () => {
    const corefile = findManifest(coreDns(), 'ConfigMap', 'coredns').data.Corefile;
    expect(corefile).toContain('    hosts /etc/edge/tunnel-nodes {\n       no_reverse\n       reload 300ms\n       fallthrough\n    }\n');
  });

  test('a Corefile that already has the recipe\'s block is kept, with a warning about reverse lookups', () => {
    const chart = testChart(null);
    const dns = new RavenCoreDns(chart, 'coredns', { corefile: seedEditedCorefile() });
    expect(dns.changed).toBe(false);
    expect(findManifest(synth(chart), 'ConfigMap', 'coredns').data.Corefile).toBe(seedEditedCorefile());
    expect(dns.warnings).toEqual([expect.stringMatching(/has no 'no_reverse', so a reverse lookup of the proxy address returns every node name/)]);
  });

  test('a custom mount path moves the hosts file with it', () => {
    const manifests = coreDns({ tunnelNodesMountPath: '/etc/raven' });
    expect(findManifest(manifests, 'ConfigMap', 'coredns').data.Corefile).toContain('hosts /etc/raven/tunnel-nodes {');
    expect(findManifest(manifests, 'Deployment', 'coredns').spec.template.spec.containers[0].volumeMounts)
      .toContainEqual({ name: 'edge-hosts', mountPath: '/etc/raven', readOnly: true });
  });

  test('Corefile.kubeadmDefault() is accepted for a fresh kubeadm cluster', () => {
    const manifests = coreDns({ corefile: Corefile.kubeadmDefault().toString() });
    expect(findManifest(manifests, 'ConfigMap', 'coredns').data.Corefile).toContain('hosts /etc/edge/tunnel-nodes {');
  });

  describe('refuses', () => {
    test('an empty Corefile', () => {
      expect(() => coreDns({ corefile: '  ' })).toThrow(/RavenCoreDns: 'corefile' must be the cluster's current Corefile text/);
    });

    test('a Corefile whose root block already has another hosts plugin (k3s)', () => {
      expect(() => coreDns({ corefile: distributionCorefile('k3s') })).toThrow(/hosts plugin can only be used once per server block/);
    });

    test('a Deployment without the named container', () => {
      expect(() => coreDns({ deployment: CoreDnsDeployment.fromManifest(exportedDeployment()), containerName: 'dns' }))
        .toThrow(/RavenCoreDns: 'containerName' must be one of the Deployment's containers \('coredns'\), got 'dns'/);
    });

    test('a Deployment that does not mount the named ConfigMap', () => {
      expect(() => coreDns({ deployment: CoreDnsDeployment.fromManifest(exportedDeployment()), name: 'rke2-coredns-rke2-coredns' }))
        .toThrow(/RavenCoreDns: 'name' must be the ConfigMap the CoreDNS Deployment 'kube-system\/coredns' mounts \('coredns'\)/);
    });

    test('a Deployment in another namespace', () => {
      const d = exportedDeployment();
      d.metadata.namespace = 'dns';
      expect(() => coreDns({ deployment: CoreDnsDeployment.fromManifest(d) })).toThrow(/'deployment.metadata.namespace' must be the ConfigMap's namespace 'kube-system', got 'dns'/);
    });

    test('an object that is not a Deployment', () => {
      expect(() => coreDns({ deployment: CoreDnsDeployment.fromManifest({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x' } }) }))
        .toThrow(/'deployment' must be an apps\/v1 Deployment, got 'apps\/v1\/DaemonSet'/);
    });

    test('a volume named edge-hosts that serves something else', () => {
      const d = exportedDeployment();
      d.spec.template.spec.volumes.push({ name: 'edge-hosts', emptyDir: {} });
      expect(() => coreDns({ deployment: CoreDnsDeployment.fromManifest(d) })).toThrow(/already has a volume of that name for something else/);
    });

    test('another mount at /etc/edge', () => {
      const d = exportedDeployment();
      d.spec.template.spec.volumes.push({ name: 'edge-certs', secret: { secretName: 'certs' } });
      d.spec.template.spec.containers[0].volumeMounts.push({ name: 'edge-certs', mountPath: '/etc/edge' });
      expect(() => coreDns({ deployment: CoreDnsDeployment.fromManifest(d) })).toThrow(/already mounts something else at \/etc\/edge/);
    });

    test('a file with more or less than one Deployment', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-coredns-'));
      try {
        const file = path.join(dir, 'empty.yaml');
        fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
        expect(() => CoreDnsDeployment.fromFile(file)).toThrow(/must hold exactly one Deployment, got 0/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('the Corefile key in extraData', () => {
      expect(() => coreDns({ extraData: { Corefile: 'x' } })).toThrow(/'extraData' must be keys other than Corefile/);
    });

    test('an extra data key a ConfigMap cannot hold', () => {
      expect(() => coreDns({ extraData: { 'custom/server': 'x' } })).toThrow(/RavenCoreDns: 'extraData' must be a data key .*, got 'custom\/server'/);
    });

    test('a relative mount path', () => {
      expect(() => coreDns({ tunnelNodesMountPath: 'etc/edge' })).toThrow(/'tunnelNodesMountPath' must be an absolute folder path/);
    });

    test('fallthrough zones that would answer SERVFAIL for every other name', () => {
      expect(() => coreDns({ fallthroughZones: ['cluster.local'] })).toThrow(/'fallthroughZones' must include the root zone/);
    });

    test('a reload interval of 0, which would leave a CoreDNS started before the tunnel-nodes ConfigMap without node names', () => {
      expect(() => coreDns({ reloadInterval: Duration.millis(0) })).toThrow(
        /^RavenCoreDns: 'reloadInterval' must be a positive duration such as Duration.millis\(300\) \(the default\), got '0ms'\. With 0 CoreDNS reads the tunnel-nodes file once, at start: .*its volume is optional/);
    });

    test('reverseLookups that is not a boolean', () => {
      expect(() => coreDns({ reverseLookups: 'no' as unknown as boolean })).toThrow(/'reverseLookups' must be true or false, got 'no'/);
    });

    test('a fractional TTL', () => {
      expect(() => coreDns({ ttl: Duration.millis(1500) })).toThrow(/'ttl' must be a whole number of seconds/);
      expect(() => coreDns({ ttl: Duration.seconds(65536) })).toThrow(/RavenCoreDns: 'ttl' must be a whole number of seconds between 1s and 65535s \(the hosts plugin's ttl\)/);
    });

    test('zero replicas', () => {
      expect(() => CoreDnsDeployment.kubeadm({ replicas: 0 })).toThrow(/CoreDnsDeployment.kubeadm: 'replicas' must be a whole number of at least 1, got 0/);
    });
  });
});
