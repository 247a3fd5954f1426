import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { KubeClient } from './kube-client';
import { NetworkNamespace, waitFor } from './netns';
import { CertificateAuthority, IssuedCertificate, serviceAccountKeyPair } from './pki';
import { upstreamFile, upstreamProgram } from '../../support/upstream';

/** Where the control plane listens inside the lab's namespace. */
export interface ControlPlaneAddresses {
  /** kube-apiserver's address (port 6443). */
  readonly apiServer: string;
  /** etcd's address (client port 2379, peer port 2380). */
  readonly etcd: string;
}

/** The CRDs the lab installs: the pinned upstream files (upstream/files/files.json). */
export const LAB_CRDS = ['scrapeconfigs-crd', 'prometheusrules-crd', 'gateways-crd'];

/** The Service CIDR the API server allocates ClusterIPs from, and the `kubernetes` Service's IP. */
export const SERVICE_CIDR = '10.96.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

/**
 * A real Kubernetes control plane in the lab's network namespace: etcd and kube-apiserver, both built
 * from their pinned Go modules, on loopback addresses of the namespace. It has its own CA (which
 * also signs the API server's serving certificate and the admin's client certificate), a
 * ServiceAccount signing key (TokenRequest works), RBAC authorization, and the pinned CRDs
 * installed. No controller-manager runs: no controller fills token Secrets or creates the
 * `default` ServiceAccount (the ServiceAccount admission plugin is off, as in envtest).
 */
export class ControlPlane {
  /** Starts etcd and kube-apiserver, waits for `/readyz`, installs the CRDs. */
  public static async start(lab: NetworkNamespace, addresses: ControlPlaneAddresses, deadlineMs: number = 90_000): Promise<ControlPlane> {
    const started = Date.now();
    const dir = path.join(lab.dir, 'control-plane');
    fs.mkdirSync(dir, { recursive: true });
    const ca = new CertificateAuthority(path.join(dir, 'pki'));
    const serving = ca.issue({
      name: 'apiserver',
      commonName: 'kube-apiserver',
      dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'],
      ipAddresses: [addresses.apiServer, KUBERNETES_SERVICE_IP],
      usages: ['serverAuth'],
    });
    const admin = ca.issue({ name: 'admin', commonName: 'raven-lab-admin', organizations: ['system:masters'], usages: ['clientAuth'] });
    const sa = serviceAccountKeyPair(path.join(dir, 'pki'));

    const etcdUrl = `http://${addresses.etcd}:2379`;
    await lab.start('etcd', upstreamProgram('etcd'), [
      '--name', 'lab',
      '--data-dir', path.join(dir, 'etcd'),
      '--listen-client-urls', etcdUrl,
      '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', `http://${addresses.etcd}:2380`,
      '--initial-advertise-peer-urls', `http://${addresses.etcd}:2380`,
      '--initial-cluster', `lab=http://${addresses.etcd}:2380`,
      // A throwaway store: no fsync (envtest does the same), quick start-up.
      '--unsafe-no-fsync',
      '--log-level', 'warn',
    ], async () => {
      await waitFor('etcd to be healthy', deadlineMs, () => (/"health":"true"/.test(lab.fetch(`${etcdUrl}/health`).body ?? '') ? true : undefined));
    });

    await lab.start('kube-apiserver', upstreamProgram('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${addresses.apiServer}`,
      `--advertise-address=${addresses.apiServer}`,
      '--secure-port=6443',
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--tls-cert-file=${serving.certFile}`,
      `--tls-private-key-file=${serving.keyFile}`,
      `--client-ca-file=${ca.certFile}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.publicKeyFile}`,
      `--service-account-signing-key-file=${sa.keyFile}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      // The API server's own address is a loopback one here, which the kubernetes Service's endpoints may not hold.
      '--endpoint-reconciler-type=none',
      '--v=1',
    ], async () => undefined);

    const socket = await lab.socketTo(addresses.apiServer, 6443);
    const client = new KubeClient(socket, addresses.apiServer, ca.cert, { cert: admin.cert, key: admin.key });
    await waitFor('kube-apiserver to be ready', Math.max(1_000, deadlineMs - (Date.now() - started)), async () => {
      const ready = await client.request('GET', '/readyz').catch(() => undefined);
      return ready?.status === 200 ? true : undefined;
    }, 250).catch((e: Error) => {
      throw new Error(`${e.message}\nkube-apiserver log:\n${lab.tail('kube-apiserver', 40)}`);
    });

    const plane = new ControlPlane(lab, addresses, dir, ca, admin, client);
    await plane.installCrds(LAB_CRDS.map((name) => YAML.parse(fs.readFileSync(upstreamFile(name), 'utf8'))));
    plane.startupMs = Date.now() - started;
    return plane;
  }

  /** How long `start()` took, CRDs included. */
  public startupMs = 0;

  private constructor(
    public readonly lab: NetworkNamespace,
    public readonly addresses: ControlPlaneAddresses,
    public readonly dir: string,
    public readonly ca: CertificateAuthority,
    public readonly adminCertificate: IssuedCertificate,
    /** The lab's admin (`system:masters`). */
    public readonly admin: KubeClient,
  ) {}

  /** `https://<address>:6443`, as seen inside the namespace. */
  public get url(): string {
    return `https://${this.addresses.apiServer}:6443`;
  }

  /** Creates CRDs and waits until each is Established. */
  public async installCrds(crds: any[]): Promise<void> {
    for (const crd of crds) {
      const response = await this.admin.apply(crd, 'raven-lab');
      if (response.status >= 300) {
        throw new Error(`installing CRD ${crd.metadata.name} failed: HTTP ${response.status} ${JSON.stringify(response.body)}`);
      }
    }
    for (const crd of crds) {
      await waitFor(`CRD ${crd.metadata.name} to be established`, 30_000, async () => {
        const got = await this.admin.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd.metadata.name);
        return got.body?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      });
    }
  }

  /**
   * A folder laid out as a pod's ServiceAccount volume (`token`, `ca.crt`, `namespace`), holding a
   * fresh token of `namespace/name` from the TokenRequest API; mount it at
   * `/var/run/secrets/kubernetes.io/serviceaccount` and set {@link inClusterEnv}.
   */
  public async serviceAccountVolume(namespace: string, name: string): Promise<string> {
    const token = await this.admin.serviceAccountToken(namespace, name);
    const volume = path.join(this.dir, 'serviceaccounts', `${namespace}-${name}-${Date.now()}`);
    fs.mkdirSync(volume, { recursive: true });
    fs.writeFileSync(path.join(volume, 'token'), token);
    fs.writeFileSync(path.join(volume, 'ca.crt'), this.ca.cert);
    fs.writeFileSync(path.join(volume, 'namespace'), namespace);
    return volume;
  }

  /** What the kubelet sets in every container so that client-go finds the API in-cluster. */
  public get inClusterEnv(): { [name: string]: string } {
    return { KUBERNETES_SERVICE_HOST: this.addresses.apiServer, KUBERNETES_SERVICE_PORT: '6443' };
  }
}
