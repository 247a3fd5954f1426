import * as fs from 'fs';
import { resolve as resolvePath } from 'path';
import { Yaml } from 'cdk8s';
import { CoreDnsWiring, deploymentApplyConfiguration, kubeadmTarget, targetFromExport } from './private/coredns-deployment-patch';
import { checkKnownProps } from './private/known-props';
import { checkImage, checkReplicas, describeValue, invalid } from './private/validation';

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
 *
 * Never the whole Deployment: only the fields the library changes (the `edge-hosts` volume, its
 * mount in the CoreDNS container, the Corefile checksum on the pod template) and the Deployment's
 * immutable selector, as a server-side apply configuration. Apply it with
 * `kubectl apply --server-side --field-manager=cdk8s-raven-prometheus`: the image, the replica
 * count and every other field stay the cluster's, through upgrades and autoscalers.
 */
export class CoreDnsDeployment {
  /**
   * The cluster's own Deployment, as exported with
   * `kubectl get deploy coredns -n kube-system -o yaml` and passed as an object. It tells the
   * library the Deployment's name, selector and container, and is checked (it must mount the
   * edited ConfigMap); a tunnel-nodes volume or mount already there is reused. Only the library's
   * fields are written, never the export's image or replicas.
   *
   * @param manifest the exported Deployment as an object (apiVersion, kind, metadata, spec)
   */
  public static fromManifest(manifest: { [key: string]: any }): CoreDnsDeployment {
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest) || typeof (manifest as any).toJson === 'function') {
      invalid('CoreDnsDeployment.fromManifest', 'manifest', manifest, 'the exported Deployment as an object',
        'Read it with Yaml.load(\'coredns-deployment.yaml\')[0], or pass the file to CoreDnsDeployment.fromFile().');
    }
    return new CoreDnsDeployment('manifest', JSON.parse(JSON.stringify(manifest)));
  }

  /**
   * The cluster's own Deployment, read from a YAML file written by
   * `kubectl get deploy coredns -n kube-system -o yaml > coredns-deployment.yaml` (see
   * `fromManifest()`). A `kind: List` export is accepted when it holds exactly one Deployment.
   *
   * @param path the YAML file, relative to the working directory or absolute
   */
  public static fromFile(path: string): CoreDnsDeployment {
    const owner = 'CoreDnsDeployment.fromFile';
    const exportHint = `Export it with: kubectl get deploy coredns -n kube-system -o yaml > ${typeof path === 'string' && path !== '' ? path : 'coredns-deployment.yaml'}`;
    if (typeof path !== 'string' || path === '') {
      invalid(owner, 'path', path, 'the path of the exported Deployment\'s YAML file', exportHint);
    }
    // cdk8s's Yaml.load also takes URLs; a local path is checked here, so that a missing file says so.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
      const absolute = resolvePath(path);
      let stat: fs.Stats | undefined;
      try {
        stat = fs.statSync(absolute);
      } catch (e) {
        throw new Error(`${owner}: cannot read '${path}' (looked for ${absolute}): ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}. ${exportHint}`);
      }
      if (!stat.isFile()) {
        throw new Error(`${owner}: '${path}' (${absolute}) is not a file. ${exportHint}`);
      }
    }
    let docs: any[];
    try {
      docs = Yaml.load(path);
    } catch (e) {
      throw new Error(`${owner}: cannot read '${path}' as YAML: ${(e as Error).message.split('\n')[0]}. ${exportHint}`);
    }
    const items = docs.flatMap((d: any) => (d && d.kind === 'List' ? d.items ?? [] : [d]));
    const deployments = items.filter((d: any) => d && d.kind === 'Deployment');
    if (deployments.length !== 1) {
      throw new Error(`${owner}: '${path}' must hold exactly one Deployment, got ${deployments.length}`
        + `${items.length > 0 && deployments.length === 0 ? ` (kinds: ${items.map((d: any) => describeValue(d?.kind)).join(', ')})` : ''}. ${exportHint}`);
    }
    return new CoreDnsDeployment('manifest', deployments[0]);
  }

  /**
   * For kubeadm's CoreDNS Deployment (`kube-system/coredns`, selector `k8s-app: kube-dns`,
   * container `coredns`, ConfigMap `coredns`) when it was not exported. The image and replica
   * count stay the cluster's unless given. Other distributions name and label CoreDNS
   * differently: export theirs with `fromManifest()` / `fromFile()`.
   *
   * @param options an image or replica count to set, when the stack is to own them
   */
  public static kubeadm(options: KubeadmCoreDnsDeploymentOptions = {}): CoreDnsDeployment {
    const owner = 'CoreDnsDeployment.kubeadm';
    checkKnownProps(owner, 'options', options, 'KubeadmCoreDnsDeploymentOptions');
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

  /**
   * The server-side apply configuration of the Deployment, or undefined for `none()`.
   * @internal
   */
  public _render(wiring: CoreDnsWiring): any | undefined {
    switch (this.kind) {
      case 'manifest': return deploymentApplyConfiguration(targetFromExport(this.manifest, wiring), wiring);
      case 'kubeadm':
        if (wiring.corefileConfigMap !== 'coredns') {
          invalid(wiring.owner, 'name', wiring.corefileConfigMap, '\'coredns\' with CoreDnsDeployment.kubeadm(), the ConfigMap kubeadm\'s Deployment mounts',
            'For another distribution, export the cluster\'s Deployment and pass CoreDnsDeployment.fromFile() or fromManifest().');
        }
        return deploymentApplyConfiguration(kubeadmTarget(wiring), wiring, this.image, this.replicas);
      default: return undefined;
    }
  }
}
