import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';
import { CoreDnsDeployment, Corefile, RavenCoreDns } from '../../src';
import { testChart } from '../support/synth';

const exportedDeployment = () => yaml.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'coredns-deployment.exported.yaml'), 'utf8'));

function coreDns(deployment: CoreDnsDeployment, tunnelNodesMountPath?: string): RavenCoreDns {
  return new RavenCoreDns(testChart(null), 'coredns', { corefile: Corefile.kubeadmDefault().toString(), deployment, tunnelNodesMountPath });
}

describe('the tunnel-nodes mount path may not hide or sit inside another mount', () => {
  test('GIVEN kubeadm and the Corefile\'s own folder THEN it is refused, saying the Corefile would be replaced', () => {
    expect(() => coreDns(CoreDnsDeployment.kubeadm(), '/etc/coredns')).toThrow(
      "RavenCoreDns: 'tunnelNodesMountPath' must be a folder clear of the container's other mounts (kubeadm's CoreDNS container mounts volume 'config-volume' at /etc/coredns, at it), "
      + "got '/etc/coredns'. That volume holds the Corefile: mounting over it would replace it.",
    );
  });

  test('GIVEN kubeadm and a folder inside the Corefile\'s THEN it is refused', () => {
    expect(() => coreDns(CoreDnsDeployment.kubeadm(), '/etc/coredns/edge')).toThrow(/mounts volume 'config-volume' at \/etc\/coredns, above it/);
  });

  test('GIVEN an export and a folder inside its Corefile mount THEN it is refused like kubeadm', () => {
    expect(() => coreDns(CoreDnsDeployment.fromManifest(exportedDeployment()), '/etc/coredns/edge'))
      .toThrow(/'tunnelNodesMountPath' must be a folder clear of the container's other mounts \(container 'coredns' of the CoreDNS Deployment 'kube-system\/coredns' mounts volume 'config-volume'/);
  });

  test('GIVEN the export and the Corefile\'s own folder THEN it stays refused (as before)', () => {
    expect(() => coreDns(CoreDnsDeployment.fromManifest(exportedDeployment()), '/etc/coredns')).toThrow(/already mounts something else at \/etc\/coredns/);
  });

  test.each(['/etc', '/var/run/secrets/kubernetes.io/serviceaccount', '/var/run/secrets', '/etc/resolv.conf'])('GIVEN %s THEN it is refused with any deployment', (mountPath) => {
    for (const deployment of [CoreDnsDeployment.kubeadm(), CoreDnsDeployment.none(), CoreDnsDeployment.fromManifest(exportedDeployment())]) {
      expect(() => coreDns(deployment, mountPath)).toThrow(/^RavenCoreDns: 'tunnelNodesMountPath' must be a (folder of its own|folder clear of)/);
    }
  });

  test('GIVEN a folder of its own THEN it is mounted there', () => {
    const dns = coreDns(CoreDnsDeployment.kubeadm(), '/etc/raven');
    expect(dns.deployment!.toJson().spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'edge-hosts', mountPath: '/etc/raven', readOnly: true }]);
  });
});

describe('an exported Deployment that mounts no ConfigMap gets advice that can work', () => {
  test('GIVEN a Deployment without ConfigMap volumes THEN the message names deployment and does not say to set name', () => {
    const exported = exportedDeployment();
    exported.spec.template.spec.volumes = [];
    exported.spec.template.spec.containers[0].volumeMounts = [];
    let message = '';
    try {
      coreDns(CoreDnsDeployment.fromManifest(exported));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^RavenCoreDns: 'deployment' must be the CoreDNS Deployment that reads the Corefile from ConfigMap 'coredns', got 'the CoreDNS Deployment 'kube-system\/coredns', which mounts no ConfigMap'\./);
    expect(message).toMatch(/use CoreDnsDeployment\.none\(\)/);
    expect(message).not.toMatch(/Set name to/);
  });
});
