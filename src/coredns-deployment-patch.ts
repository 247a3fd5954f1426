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

/**
 * Seed Step 2 applied to a Deployment object: strip what the API server wrote, add the
 * tunnel-nodes volume and read-only mount (never twice), stamp the Corefile checksum on
 * the pod template so a changed Corefile rolls the pods.
 */
export function patchDeployment(source: any, w: CoreDnsWiring): any {
  // An exported Deployment is the user's: work on a copy.
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
  d.metadata.namespace = ns;

  const pod = d.spec?.template?.spec;
  if (!pod || !Array.isArray(pod.containers)) {
    invalid(w.owner, 'deployment.spec.template.spec.containers', undefined, 'a list of containers', `Check that ${where} was exported whole.`);
  }
  const container = pod.containers.find((c: any) => c.name === w.containerName);
  if (!container) {
    invalid(w.owner, 'containerName', w.containerName, `one of the Deployment's containers (${pod.containers.map((c: any) => `'${c.name}'`).join(', ')})`,
      'Pass the name of the CoreDNS container.');
  }
  pod.volumes = pod.volumes ?? [];
  const mountsCorefile = pod.volumes.some((v: any) => v.configMap?.name === w.corefileConfigMap);
  if (!mountsCorefile) {
    invalid(w.owner, 'name', w.corefileConfigMap,
      `the ConfigMap ${where} mounts (${pod.volumes.filter((v: any) => v.configMap).map((v: any) => `'${v.configMap.name}'`).join(', ') || 'none'})`,
      'Set name to the ConfigMap that holds this cluster\'s Corefile (RKE2: rke2-coredns-rke2-coredns).');
  }

  // Reuse a volume that already serves the tunnel-nodes ConfigMap; refuse a clash of names.
  let volume = pod.volumes.find((v: any) => v.configMap?.name === w.tunnelNodesConfigMap);
  const sameName = pod.volumes.find((v: any) => v.name === w.volumeName);
  if (!volume) {
    if (sameName) {
      invalid(w.owner, 'deployment', `volume '${w.volumeName}'`, `a Deployment whose volume '${w.volumeName}' is free or mounts ConfigMap '${w.tunnelNodesConfigMap}'`,
        `${where} already has a volume of that name for something else; rename it or remove it.`);
    }
    volume = tunnelNodesVolume(w.volumeName, w.tunnelNodesConfigMap);
    pod.volumes.push(volume);
  }

  container.volumeMounts = container.volumeMounts ?? [];
  const atPath = container.volumeMounts.find((m: any) => m.mountPath === w.mountPath);
  if (atPath) {
    if (atPath.name !== volume.name) {
      invalid(w.owner, 'deployment', `mount '${w.mountPath}' of volume '${atPath.name}'`, `'${w.mountPath}' free or mounting volume '${volume.name}'`,
        `Container '${w.containerName}' of ${where} already mounts something else at ${w.mountPath}; choose another tunnelNodesMountPath.`);
    }
  } else {
    container.volumeMounts.push({ name: volume.name, mountPath: w.mountPath, readOnly: true });
  }

  d.spec.template.metadata = d.spec.template.metadata ?? {};
  d.spec.template.metadata.annotations = { ...(d.spec.template.metadata.annotations ?? {}), [w.checksumAnnotation]: w.checksum };
  checkKubernetesLabels(w.owner, 'deployment.metadata.labels', d.metadata.labels);
  return d;
}

/** The selector kubeadm gives CoreDNS (cmd/kubeadm/app/phases/addons/dns); immutable once created. */
export const KUBEADM_COREDNS_SELECTOR = { 'k8s-app': 'kube-dns' };

/**
 * The fields the library changes on kubeadm's CoreDNS Deployment, and nothing of the cluster's:
 * the tunnel-nodes volume, its read-only mount in the CoreDNS container, the Corefile checksum on
 * the pod template, plus kubeadm's own selector (immutable, so writing it changes nothing, keeps
 * the object a valid Deployment, and makes applying it to a CoreDNS with another selector fail
 * instead of merging into the wrong object). An image or a replica count is written only when given.
 */
export function kubeadmDeploymentPatch(w: CoreDnsWiring, image?: string, replicas?: number): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: w.namespace },
    spec: {
      replicas,
      selector: { matchLabels: { ...KUBEADM_COREDNS_SELECTOR } },
      template: {
        metadata: { annotations: { [w.checksumAnnotation]: w.checksum } },
        spec: {
          containers: [{ name: w.containerName, image, volumeMounts: [{ name: w.volumeName, mountPath: w.mountPath, readOnly: true }] }],
          volumes: [tunnelNodesVolume(w.volumeName, w.tunnelNodesConfigMap)],
        },
      },
    },
  };
}
