import { stripServerFields } from './server-fields';
import { checkDnsSubdomain, checkKubernetesLabels, invalid } from './validation';

/** The CoreDNS image written when none is given: the one kubeadm installs for Kubernetes 1.31 and 1.32. */
export const DEFAULT_COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.3';

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
export function patchDeployment(source: any, w: CoreDnsWiring, owned: boolean = false): any {
  // An exported Deployment is the user's: work on a copy. One built here (`owned`) is ours already.
  const d = owned ? source : stripServerFields(source);
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

/** kubeadm's CoreDNS Deployment (cmd/kubeadm/app/phases/addons/dns), rendered. */
export function kubeadmDeployment(image: string, replicas: number, w: CoreDnsWiring): any {
  const labels = { 'k8s-app': 'kube-dns' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: w.namespace, labels },
    spec: {
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'coredns',
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: {
                  labelSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }] },
                  topologyKey: 'kubernetes.io/hostname',
                },
              }],
            },
          },
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [{
            name: w.containerName,
            image,
            imagePullPolicy: 'IfNotPresent',
            resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
            args: ['-conf', '/etc/coredns/Corefile'],
            volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
            ports: [
              { containerPort: 53, name: 'dns', protocol: 'UDP' },
              { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
              { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
              { containerPort: 8080, name: 'liveness-probe', protocol: 'TCP' },
              { containerPort: 8181, name: 'readiness-probe', protocol: 'TCP' },
            ],
            livenessProbe: {
              httpGet: { path: '/health', port: 'liveness-probe', scheme: 'HTTP' },
              initialDelaySeconds: 60,
              timeoutSeconds: 5,
              successThreshold: 1,
              failureThreshold: 5,
            },
            readinessProbe: { httpGet: { path: '/ready', port: 'readiness-probe', scheme: 'HTTP' } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
              readOnlyRootFilesystem: true,
            },
          }],
          dnsPolicy: 'Default',
          volumes: [{ name: 'config-volume', configMap: { name: w.corefileConfigMap, items: [{ key: 'Corefile', path: 'Corefile' }] } }],
        },
      },
    },
  };
}
