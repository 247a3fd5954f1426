import { Yaml } from 'cdk8s';
import { CoreDnsWiring, kubeadmDeploymentPatch, patchDeployment } from './coredns-deployment-patch';
import { checkImage, checkReplicas, invalid } from './validation';

/**
 * Options for `CoreDnsDeployment.kubeadm()`.
 */
export interface KubeadmCoreDnsDeploymentOptions {
  /**
   * The CoreDNS image, when you want the library to set it. Left out, the cluster's image stays:
   * kubeadm picks it per Kubernetes version, and a fixed one would downgrade CoreDNS after an
   * upgrade, or point a private-registry cluster at an image it cannot pull.
   *
   * @default - not written: the cluster's own image stays
   */
  readonly image?: string;

  /**
   * How many CoreDNS pods, when you want the library to set it. Left out, the cluster's count
   * stays, including one a DNS autoscaler maintains.
   *
   * @default - not written: the cluster's own replica count stays
   */
  readonly replicas?: number;
}

/**
 * Which CoreDNS Deployment `RavenCoreDns` writes next to the edited Corefile.
 */
export class CoreDnsDeployment {
  /**
   * Patch the cluster's own Deployment, as exported with
   * `kubectl get deploy coredns -n kube-system -o yaml` and passed as an object.
   * Server-populated fields are stripped; the tunnel-nodes volume and mount are added
   * unless they are already there.
   */
  public static fromManifest(manifest: { [key: string]: any }): CoreDnsDeployment {
    return new CoreDnsDeployment('manifest', JSON.parse(JSON.stringify(manifest)));
  }

  /**
   * Patch the cluster's own Deployment, read from a YAML file written by
   * `kubectl get deploy coredns -n kube-system -o yaml > coredns-deployment.yaml`.
   * A `kind: List` export is accepted when it holds exactly one Deployment.
   */
  public static fromFile(path: string): CoreDnsDeployment {
    const docs = Yaml.load(path).flatMap((d: any) => (d && d.kind === 'List' ? d.items ?? [] : [d]));
    const deployments = docs.filter((d: any) => d && d.kind === 'Deployment');
    if (deployments.length !== 1) {
      throw new Error(`CoreDnsDeployment.fromFile: '${path}' must hold exactly one Deployment, got ${deployments.length}. `
        + 'Export it with: kubectl get deploy coredns -n kube-system -o yaml');
    }
    return new CoreDnsDeployment('manifest', deployments[0]);
  }

  /**
   * For kubeadm's CoreDNS Deployment (`kube-system/coredns`, selector `k8s-app: kube-dns`,
   * container `coredns`, ConfigMap `coredns`) when it was not exported: write only the fields the
   * library needs, the `edge-hosts` volume, its read-only mount and the Corefile checksum (plus
   * kubeadm's immutable selector), to be merged into the live Deployment by `kubectl apply`
   * (`--server-side` keeps the ownership of these fields apart from the cluster's). The image and
   * replica count stay the cluster's unless given. Other distributions name and label CoreDNS
   * differently: export theirs with `fromManifest()` / `fromFile()`.
   */
  public static kubeadm(options: KubeadmCoreDnsDeploymentOptions = {}): CoreDnsDeployment {
    const owner = 'CoreDnsDeployment.kubeadm';
    const replicas = options.replicas === undefined ? undefined : checkReplicas(owner, 'replicas', options.replicas);
    const image = options.image === undefined ? undefined : checkImage(owner, 'image', options.image);
    return new CoreDnsDeployment('kubeadm', undefined, image, replicas);
  }

  /**
   * Write no Deployment: only the ConfigMap. For clusters whose CoreDNS Deployment is
   * managed elsewhere and already mounts the tunnel-nodes ConfigMap at the hosts file's folder.
   */
  public static none(): CoreDnsDeployment {
    return new CoreDnsDeployment('none');
  }

  private constructor(
    /** `manifest`, `kubeadm` or `none`. */
    public readonly kind: string,
    private readonly manifest?: any,
    /** The image written into kubeadm's Deployment, if one was given. */
    public readonly image?: string,
    /** The replica count written into kubeadm's Deployment, if one was given. */
    public readonly replicas?: number,
  ) {}

  /** @internal */
  public _render(wiring: CoreDnsWiring): any | undefined {
    switch (this.kind) {
      case 'manifest': return patchDeployment(this.manifest, wiring);
      case 'kubeadm':
        if (wiring.corefileConfigMap !== 'coredns') {
          invalid(wiring.owner, 'name', wiring.corefileConfigMap, '\'coredns\' with CoreDnsDeployment.kubeadm(), the ConfigMap kubeadm\'s Deployment mounts',
            'For another distribution, export the cluster\'s Deployment and pass CoreDnsDeployment.fromFile() or fromManifest().');
        }
        return kubeadmDeploymentPatch(wiring, this.image, this.replicas);
      default: return undefined;
    }
  }
}
