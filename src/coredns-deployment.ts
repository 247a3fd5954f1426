import { Yaml } from 'cdk8s';
import { CoreDnsWiring, DEFAULT_COREDNS_IMAGE, kubeadmDeployment, patchDeployment } from './coredns-deployment-patch';
import { checkImage, checkReplicas } from './validation';

/**
 * Options for `CoreDnsDeployment.kubeadm()`.
 */
export interface KubeadmCoreDnsDeploymentOptions {
  /**
   * The CoreDNS image.
   *
   * @default "registry.k8s.io/coredns/coredns:v1.11.3"
   */
  readonly image?: string;

  /**
   * How many CoreDNS pods.
   *
   * @default 2
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
   * Write a complete CoreDNS Deployment equal to the one kubeadm installs, for clusters
   * whose Deployment was not exported. Its selector is `k8s-app: kube-dns`, as kubeadm's is;
   * other distributions label CoreDNS differently, and a Deployment's selector cannot change,
   * so export theirs with `fromManifest()` / `fromFile()` instead.
   */
  public static kubeadm(options: KubeadmCoreDnsDeploymentOptions = {}): CoreDnsDeployment {
    const replicas = checkReplicas('CoreDnsDeployment.kubeadm', 'replicas', options.replicas ?? 2);
    const image = checkImage('CoreDnsDeployment.kubeadm', 'image', options.image ?? DEFAULT_COREDNS_IMAGE);
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
    /** The image of a kubeadm Deployment. */
    public readonly image?: string,
    /** The replicas of a kubeadm Deployment. */
    public readonly replicas?: number,
  ) {}

  /** @internal */
  public _render(wiring: CoreDnsWiring): any | undefined {
    switch (this.kind) {
      case 'manifest': return patchDeployment(this.manifest, wiring);
      case 'kubeadm': return patchDeployment(kubeadmDeployment(this.image!, this.replicas!, wiring), wiring, true);
      default: return undefined;
    }
  }
}
