import { clusterOwnedAnnotations } from './applied-fields';
import { checkTunnelNodesMountPath, KUBEADM_COREDNS_MOUNTS } from './mount-paths';
import { stripServerFields } from './server-fields';
import { checkDnsSubdomain, checkKubernetesLabels, invalid } from './validation';

/** What the Deployment needs to know to mount the tunnel-nodes hosts file. */
export interface CoreDnsWiring {
  readonly owner: string;
  readonly namespace: string;
  readonly corefileConfigMap: string;
  readonly containerName: string;
  readonly volumeName: string;
  readonly tunnelNodesConfigMap: string;
  readonly mountPath: string;
  readonly checksumAnnotation: string;
  readonly checksum: string;
}

/** The tunnel-nodes volume: optional, so CoreDNS starts before yurt-manager creates the ConfigMap. */
export function tunnelNodesVolume(name: string, configMap: string): any {
  return { name, configMap: { name: configMap, optional: true, items: [{ key: 'tunnel-nodes', path: 'tunnel-nodes' }] } };
}

/** Where the library's fields go in a CoreDNS Deployment, and which fields of it were already there. */
interface DeploymentTarget {
  readonly name: string;
  readonly namespace: string;
  readonly selector: any;
  /** The volume serving the tunnel-nodes ConfigMap: the export's own if it has one, else the library's. */
  readonly volume: any;
  /** The mount of that volume at the hosts file's folder: the export's own if it has one, else the library's. */
  readonly mount: any;
}

/**
 * Seed Step 2 as a server-side apply configuration: only the fields the library changes on the
 * cluster's CoreDNS Deployment, the tunnel-nodes volume, its read-only mount in the CoreDNS
 * container and the Corefile checksum on the pod template (which rolls the pods when the Corefile
 * changes), plus the Deployment's own selector. The image, the replica count, the other
 * containers and volumes stay the cluster's: applied with a field manager of its own, the
 * configuration is merged into the live Deployment, and neither a newer CoreDNS after an upgrade
 * nor a DNS autoscaler's count is reverted. An image or a replica count is written only when given.
 *
 * The selector is immutable and equal to the live one: co-owning it changes nothing, makes the
 * configuration a valid Deployment for the tools that check manifests against the schema
 * (`selector` and `template` are required), and makes applying it to a Deployment that selects
 * other pods fail (a conflict, or "field is immutable" when forced) instead of patching a
 * Deployment the stack was not computed for.
 */
export function deploymentApplyConfiguration(t: DeploymentTarget, w: CoreDnsWiring, image?: string, replicas?: number): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: t.name, namespace: t.namespace, annotations: clusterOwnedAnnotations(true) },
    spec: {
      replicas,
      selector: t.selector,
      template: {
        metadata: { annotations: { [w.checksumAnnotation]: w.checksum } },
        spec: {
          containers: [{ name: w.containerName, image, volumeMounts: [t.mount] }],
          volumes: [t.volume],
        },
      },
    },
  };
}

/**
 * Reads an exported Deployment for the apply configuration: checks it is the CoreDNS Deployment
 * that reads the edited ConfigMap, finds the container, and reuses a tunnel-nodes volume and mount
 * that are already there; refuses a volume name or mount path taken by something else.
 *
 * What is written does not depend on whether the export was taken before or after the library's
 * fields were applied (an export carries the server's defaults, such as a volume's `defaultMode`),
 * so re-exporting and applying again changes nothing: the library's own volume and mount are
 * always written as the library defines them, and a volume or mount of someone else's that
 * already serves the file only by its keys (name, ConfigMap, mount path), which co-owns them
 * without taking over their other fields.
 */
export function targetFromExport(source: any, w: CoreDnsWiring): DeploymentTarget {
  const d = stripServerFields(source);
  const where = `the CoreDNS Deployment '${d.metadata?.namespace ?? '?'}/${d.metadata?.name ?? '?'}'`;
  if (d.apiVersion !== 'apps/v1' || d.kind !== 'Deployment') {
    invalid(w.owner, 'deployment', `${d.apiVersion}/${d.kind}`, 'an apps/v1 Deployment', 'Export it with: kubectl get deploy coredns -n kube-system -o yaml');
  }
  if (typeof d.metadata?.name !== 'string') {
    invalid(w.owner, 'deployment.metadata.name', d.metadata?.name, 'the Deployment\'s name');
  }
  checkDnsSubdomain(w.owner, 'deployment.metadata.name', d.metadata.name);
  const ns = d.metadata.namespace ?? w.namespace;
  if (ns !== w.namespace) {
    invalid(w.owner, 'deployment.metadata.namespace', ns, `the ConfigMap's namespace '${w.namespace}'`,
      'A Deployment can only mount ConfigMaps of its own namespace; set namespace to the Deployment\'s.');
  }
  const selector = d.spec?.selector;
  if (selector === null || typeof selector !== 'object' || Object.keys(selector).length === 0) {
    invalid(w.owner, 'deployment.spec.selector', selector, 'the Deployment\'s label selector', `Check that ${where} was exported whole.`);
  }
  checkKubernetesLabels(w.owner, 'deployment.spec.selector.matchLabels', selector.matchLabels);

  const pod = d.spec?.template?.spec;
  if (!pod || !Array.isArray(pod.containers)) {
    invalid(w.owner, 'deployment.spec.template.spec.containers', undefined, 'a list of containers', `Check that ${where} was exported whole.`);
  }
  const container = pod.containers.find((c: any) => c.name === w.containerName);
  if (!container) {
    invalid(w.owner, 'containerName', w.containerName, `one of the Deployment's containers (${pod.containers.map((c: any) => `'${c.name}'`).join(', ')})`,
      'Pass the name of the CoreDNS container.');
  }
  const volumes: any[] = pod.volumes ?? [];
  const mountsCorefile = volumes.some((v: any) => v.configMap?.name === w.corefileConfigMap);
  if (!mountsCorefile && !volumes.some((v: any) => v.configMap)) {
    invalid(w.owner, 'deployment', `${where}, which mounts no ConfigMap`, `the CoreDNS Deployment that reads the Corefile from ConfigMap '${w.corefileConfigMap}'`,
      'Export the Deployment of the cluster\'s DNS (kubectl get deploy coredns -n kube-system -o yaml); where the Corefile does not come from a ConfigMap, '
      + 'use CoreDnsDeployment.none() and mount the tunnel-nodes ConfigMap by hand.');
  }
  if (!mountsCorefile) {
    invalid(w.owner, 'name', w.corefileConfigMap,
      `the ConfigMap ${where} mounts (${volumes.filter((v: any) => v.configMap).map((v: any) => `'${v.configMap.name}'`).join(', ') || 'none'})`,
      'Set name to the ConfigMap that holds this cluster\'s Corefile (RKE2: rke2-coredns-rke2-coredns).');
  }

  // Reuse a volume that already serves the tunnel-nodes ConfigMap; refuse a clash of names.
  const existing = volumes.find((v: any) => v.configMap?.name === w.tunnelNodesConfigMap);
  if (!existing && volumes.some((v: any) => v.name === w.volumeName)) {
    invalid(w.owner, 'deployment', `volume '${w.volumeName}'`, `a Deployment whose volume '${w.volumeName}' is free or mounts ConfigMap '${w.tunnelNodesConfigMap}'`,
      `${where} already has a volume of that name for something else; rename it or remove it.`);
  }
  const volumeName: string = existing?.name ?? w.volumeName;
  const volume = volumeName === w.volumeName
    ? tunnelNodesVolume(w.volumeName, w.tunnelNodesConfigMap)
    : { name: volumeName, configMap: { name: w.tunnelNodesConfigMap } };

  const existingMount = (container.volumeMounts ?? []).find((m: any) => m.mountPath === w.mountPath);
  if (!existingMount || existingMount.name === volumeName) {
    checkTunnelNodesMountPath(w.owner, w.mountPath, (container.volumeMounts ?? []).filter((m: any) => m.name !== volumeName), `container '${w.containerName}' of ${where}`);
  }
  if (existingMount && existingMount.name !== volumeName) {
    invalid(w.owner, 'deployment', `mount '${w.mountPath}' of volume '${existingMount.name}'`, `'${w.mountPath}' free or mounting volume '${volumeName}'`,
      `Container '${w.containerName}' of ${where} already mounts something else at ${w.mountPath}; choose another tunnelNodesMountPath.`);
  }
  const mount = existingMount && volumeName !== w.volumeName
    ? { name: volumeName, mountPath: w.mountPath }
    : { name: volumeName, mountPath: w.mountPath, readOnly: true };
  return { name: d.metadata.name, namespace: ns, selector, volume, mount };
}

/** The selector kubeadm gives CoreDNS (cmd/kubeadm/app/phases/addons/dns); immutable once created. */
export const KUBEADM_COREDNS_SELECTOR = { 'k8s-app': 'kube-dns' };

/** kubeadm's CoreDNS Deployment, `kube-system/coredns` selecting `k8s-app: kube-dns`, with the library's volume and mount. */
export function kubeadmTarget(w: CoreDnsWiring): DeploymentTarget {
  checkTunnelNodesMountPath(w.owner, w.mountPath, KUBEADM_COREDNS_MOUNTS, 'kubeadm\'s CoreDNS container');
  return {
    name: 'coredns',
    namespace: w.namespace,
    selector: { matchLabels: { ...KUBEADM_COREDNS_SELECTOR } },
    volume: tunnelNodesVolume(w.volumeName, w.tunnelNodesConfigMap),
    mount: { name: w.volumeName, mountPath: w.mountPath, readOnly: true },
  };
}
