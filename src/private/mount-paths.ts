import { invalid } from './validation';

/**
 * Where the tunnel-nodes ConfigMap may be mounted in the CoreDNS container. A volume mounted at,
 * above or below another mount hides or is hidden by it: at kubeadm's `/etc/coredns` the Corefile's
 * own volume is replaced (the forced first apply takes over the mount, CoreDNS then reads no
 * Corefile); below it, the container runtime cannot create the mount point inside the read-only
 * ConfigMap volume; above a file the kubelet writes (`/etc/resolv.conf`, `/etc/hosts`) or the
 * ServiceAccount token, the pod loses it.
 */

/** Paths of every pod the kubelet writes, whatever the Deployment says. */
const KUBELET_PATHS = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev/termination-log', '/var/run/secrets/kubernetes.io/serviceaccount'];
/** Folders of the container's own file system a mount would hide. */
const SYSTEM_FOLDERS = ['/', '/bin', '/dev', '/etc', '/lib', '/proc', '/run', '/sbin', '/sys', '/usr', '/var', '/var/run', '/tmp'];

function inside(path: string, folder: string): boolean {
  return folder === '/' ? path !== '/' : path.startsWith(`${folder}/`);
}

/** A mount of the container: its volume's name and path. */
export interface ContainerMount {
  readonly name: string;
  readonly mountPath: string;
}

/**
 * Refuses a tunnel-nodes mount path that clashes with the container's other mounts (`mounts`,
 * the tunnel-nodes volume's own excluded), with what the kubelet mounts, or with a system folder.
 */
export function checkTunnelNodesMountPath(owner: string, mountPath: string, mounts: ContainerMount[], where: string): void {
  const prop = 'tunnelNodesMountPath';
  const fix = 'Mount the hosts file in a folder of its own, such as the default /etc/edge.';
  if (SYSTEM_FOLDERS.includes(mountPath)) {
    invalid(owner, prop, mountPath, 'a folder of its own, not a system folder of the container', fix);
  }
  for (const path of KUBELET_PATHS) {
    if (path === mountPath || inside(path, mountPath) || inside(mountPath, path)) {
      invalid(owner, prop, mountPath, `a folder clear of ${path}, which the kubelet mounts into every pod`, fix);
    }
  }
  for (const mount of mounts) {
    const other = String(mount.mountPath ?? '').replace(/\/+$/, '') || '/';
    if (other === mountPath || inside(other, mountPath) || inside(mountPath, other)) {
      const how = other === mountPath ? 'at' : inside(other, mountPath) ? 'below' : 'above';
      invalid(owner, prop, mountPath, `a folder clear of the container's other mounts (${where} mounts volume '${mount.name}' at ${other}, ${how} it)`,
        `${other === '/etc/coredns' || mount.name === 'config-volume' ? 'That volume holds the Corefile: mounting over it would replace it. ' : ''}${fix}`);
    }
  }
}

/** The mounts of kubeadm's CoreDNS container (cmd/kubeadm/app/phases/addons/dns/manifests.go). */
export const KUBEADM_COREDNS_MOUNTS: ContainerMount[] = [{ name: 'config-volume', mountPath: '/etc/coredns' }];
