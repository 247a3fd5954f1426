import { createHash } from 'crypto';
import { BASE_COREFILE_ANNOTATION, FIELD_MANAGER } from './private/applied-fields';
import { checkKnownProps } from './private/known-props';
import { checkList, checkObject } from './private/validation';

/**
 * The `drift` check: compares what a synthesized stack writes onto the objects the cluster owns
 * (the edited CoreDNS ConfigMap, the CoreDNS Deployment's apply configuration, the Gateway's proxy
 * ports) with those objects as they are live, and says, before anyone applies, whether applying
 * would revert a change made in the cluster since the export (a stale Corefile, a port added to
 * the Gateway by hand, an upgraded selector), or fail.
 *
 * Pure: objects in, report out. Reading the live objects through the API is the command's
 * (`private/cli.ts`, `private/kube-api.ts`).
 */

/** The pod-template annotation carrying the Corefile checksum (`RavenCoreDns.CHECKSUM_ANNOTATION`). */
const CHECKSUM_ANNOTATION = 'raven-prometheus.cdk8s.io/corefile-sha256';
/** The Gateway annotation recording its ports before the library (`private/applied-fields.ts`). */
const ORIGINAL_PORTS_ANNOTATION = 'raven-prometheus.cdk8s.io/original-proxy-ports';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const CLOUD_EXPOSE_TYPES = ['PublicIP', 'LoadBalancer'];
/** Changed lines of a Corefile shown at most. */
const MAX_DIFF_LINES = 40;

/** What applying one object would do. */
export enum DriftStatus {
  /** The live object has the library's fields as the stack writes them. */
  IN_SYNC = 'in-sync',
  /** Applying changes only the library's own fields. */
  WILL_CHANGE = 'will-change',
  /** Applying would revert a change made in the cluster since the export, or fail. */
  DRIFT = 'drift',
  /** The object is not in the cluster. */
  MISSING = 'missing',
}

const SEVERITY = [DriftStatus.IN_SYNC, DriftStatus.WILL_CHANGE, DriftStatus.DRIFT, DriftStatus.MISSING];

/** One object the cluster owns and what applying the stack would do to it. */
export interface DriftFinding {
  /** `ConfigMap`, `Deployment` or `Gateway`. */
  readonly kind: string;
  /**
   * The object's namespace.
   *
   * @default - cluster-scoped
   */
  readonly namespace?: string;
  /** The object's name. */
  readonly name: string;
  /** The worst of what was found. */
  readonly status: DriftStatus;
  /** What was found, one line each, with what to do. */
  readonly details: string[];
}

/** Options of `DriftReport.compare()`. */
export interface DriftOptions {
  /**
   * The field manager the stack is applied with, for what the report says of ownership.
   *
   * @default "cdk8s-raven-prometheus"
   */
  readonly fieldManager?: string;
}

interface Check {
  readonly status: DriftStatus;
  readonly lines: string[];
}

const check = (status: DriftStatus, ...lines: string[]): Check => ({ status, lines });

/**
 * The result of comparing a stack's writes onto the objects the cluster owns with the live objects.
 */
export class DriftReport {
  /**
   * The objects of synthesized manifests that go onto objects the cluster owns: the CoreDNS
   * ConfigMap the library edited, the CoreDNS Deployment's apply configuration and the Gateway's
   * proxy ports. Everything else of the stack is the library's own.
   *
   * @param manifests the synthesized objects, e.g. every document of `dist/*.k8s.yaml`
   */
  public static clusterOwnedObjects(manifests: any[]): any[] {
    checkList('DriftReport.clusterOwnedObjects', 'manifests', manifests ?? null, 'a list of manifests (the synthesized objects)');
    return manifests.filter((m) => m !== null && typeof m === 'object' && (
      (m.apiVersion === 'v1' && m.kind === 'ConfigMap' && m.metadata?.annotations?.[BASE_COREFILE_ANNOTATION] !== undefined)
      || (m.apiVersion === 'apps/v1' && m.kind === 'Deployment' && m.spec?.template?.metadata?.annotations?.[CHECKSUM_ANNOTATION] !== undefined)
      || (m.apiVersion === 'raven.openyurt.io/v1beta1' && m.kind === 'Gateway' && m.metadata?.annotations?.[ORIGINAL_PORTS_ANNOTATION] !== undefined)));
  }

  /**
   * The API path of the live object a stack object goes onto.
   *
   * @param obj a stack object returned by `clusterOwnedObjects()`
   */
  public static livePath(obj: any): string {
    checkObject('DriftReport.livePath', 'obj', obj ?? null, 'a stack object from clusterOwnedObjects()');
    const { name, namespace } = obj.metadata ?? {};
    switch (obj.kind) {
      case 'ConfigMap': return `/api/v1/namespaces/${namespace}/configmaps/${name}`;
      case 'Deployment': return `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
      case 'Gateway': return `/apis/raven.openyurt.io/v1beta1/gateways/${name}`;
      default: throw new Error(`no live path for kind ${obj.kind}`);
    }
  }

  /**
   * Compares the stack's objects (from `clusterOwnedObjects()`) with the live objects found;
   * a stack object without its live one is reported missing.
   *
   * @param desired the stack's objects that go onto cluster-owned ones (`clusterOwnedObjects()`)
   * @param live the live objects, as the API server returns them (`GET` on each `livePath()`)
   * @param options the field manager the stack is applied with
   */
  public static compare(desired: any[], live: any[], options: DriftOptions = {}): DriftReport {
    checkList('DriftReport.compare', 'desired', desired ?? null, 'a list of stack objects from clusterOwnedObjects()');
    checkList('DriftReport.compare', 'live', live ?? null, 'a list of live objects (empty for none)');
    checkKnownProps('DriftReport.compare', 'options', options, 'DriftOptions');
    desired.forEach((o, i) => checkObject('DriftReport.compare', `desired[${i}]`, o ?? null, 'a stack object from clusterOwnedObjects()'));
    const manager = options.fieldManager ?? FIELD_MANAGER;
    const key = (o: any) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const liveByKey = new Map(live.filter((o) => o !== null && o !== undefined).map((o) => [key(o), o]));
    const findings = desired.map((d): DriftFinding => {
      const l = liveByKey.get(key(d));
      const checks = l === undefined ? [missing(d)]
        : d.kind === 'ConfigMap' ? configMapChecks(d, l, manager)
          : d.kind === 'Deployment' ? deploymentChecks(d, l, desired)
            : gatewayChecks(d, l, manager);
      if (l !== undefined) checks.push(...clientSideApplyChecks(d, l));
      const status = checks.reduce((worst, c) => (SEVERITY.indexOf(c.status) > SEVERITY.indexOf(worst) ? c.status : worst), DriftStatus.IN_SYNC);
      return { kind: d.kind, namespace: d.metadata.namespace, name: d.metadata.name, status, details: checks.flatMap((c) => c.lines) };
    });
    return new DriftReport(findings);
  }

  private constructor(
    /** One finding per object the cluster owns that the stack writes onto. */
    public readonly findings: DriftFinding[],
  ) {}

  /** Whether applying now reverts nothing of anyone else's and fails on nothing. */
  public get ok(): boolean {
    return this.findings.every((f) => f.status === DriftStatus.IN_SYNC || f.status === DriftStatus.WILL_CHANGE);
  }

  /** The report as the command prints it. */
  public toText(): string {
    if (this.findings.length === 0) {
      return 'The manifests write onto no object the cluster owns (no edited CoreDNS ConfigMap, CoreDNS Deployment or Gateway ports): nothing to compare.\n';
    }
    const out: string[] = [];
    for (const f of this.findings) {
      out.push(`${f.kind} ${f.namespace !== undefined ? `${f.namespace}/` : ''}${f.name}: ${f.status}`);
      for (const line of f.details) out.push(`  ${line}`);
    }
    out.push('');
    if (!this.ok) {
      out.push('Applying now would revert changes made in the cluster since the export, or fail: export again, synthesize, and check again.');
    } else if (this.findings.some((f) => f.status === DriftStatus.WILL_CHANGE)) {
      out.push('Applying changes only the library\'s own fields: nothing of anyone else\'s is reverted.');
    } else {
      out.push('Nothing to apply: the cluster has the library\'s fields as the stack writes them.');
    }
    return `${out.join('\n')}\n`;
  }
}

function missing(d: any): Check {
  const hint = d.kind === 'Gateway'
    ? 'check the kubeconfig\'s context and the Gateway\'s name (kubectl get gateways.raven.openyurt.io)'
    : `check the kubeconfig's context and the name (kubectl -n ${d.metadata.namespace} get ${d.kind.toLowerCase()}s)`;
  const why = d.kind === 'ConfigMap'
    ? 'the stack edits the cluster\'s own CoreDNS ConfigMap, which should be there'
    : 'the stack writes only the library\'s fields onto it and cannot create it';
  return check(DriftStatus.MISSING, `not in the cluster: ${why}; ${hint}.`);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** The managers whose managedFields hold a field (`['f:data', 'f:Corefile']`), on the main resource. */
function ownersOf(live: any, fieldPath: string[]): string[] {
  return (live.metadata?.managedFields ?? [])
    .filter((e: any) => (e.subresource ?? '') === '' && fieldPath.reduce((node: any, k) => node?.[k], e.fieldsV1) !== undefined)
    .map((e: any) => e.manager as string);
}

function conflictNote(live: any, fieldPath: string[], field: string, manager: string): string[] {
  const others = ownersOf(live, fieldPath).filter((m) => m !== manager);
  if (others.length === 0) return [];
  return [`the first apply conflicts on ${field}, which ${others.map((m) => `'${m}'`).join(' and ')} own${others.length === 1 ? 's' : ''}: `
    + 'nothing of theirs changed since the export, so apply it once with --force-conflicts.'];
}

function configMapChecks(d: any, l: any, manager: string): Check[] {
  const checks: Check[] = [];
  for (const [dataKey, value] of Object.entries<string>(d.data ?? {})) {
    const liveValue: string | undefined = l.data?.[dataKey];
    if (dataKey !== 'Corefile') {
      if (liveValue === value) continue;
      checks.push(liveValue === undefined
        ? check(DriftStatus.WILL_CHANGE, `data key '${dataKey}': applying adds it.`)
        : check(DriftStatus.DRIFT, `data key '${dataKey}' differs from the stack's: applying would replace the live value; pass the live one (extraData).`));
      continue;
    }
    const base: string = d.metadata.annotations[BASE_COREFILE_ANNOTATION];
    if (liveValue === value) {
      checks.push(check(DriftStatus.IN_SYNC, 'Corefile: as the stack writes it.'));
    } else if (liveValue !== undefined && sha256(liveValue) === base) {
      const added = value.split('\n').length - liveValue.split('\n').length;
      checks.push(check(DriftStatus.WILL_CHANGE,
        `Corefile: the one the stack was computed from; applying adds the tunnel-nodes hosts block (${added >= 0 ? '+' : ''}${added} lines).`,
        ...conflictNote(l, ['f:data', 'f:Corefile'], '.data.Corefile', manager)));
    } else {
      checks.push(check(DriftStatus.DRIFT,
        `Corefile: changed in the cluster since the stack was computed (live sha256 ${liveValue === undefined ? 'none' : short(sha256(liveValue))}, `
        + `computed from ${short(base)}); applying would replace it with the stack's, changing these lines:`,
        ...lineDiff(liveValue ?? '', value).map((line) => `  ${line}`),
        `export it again (kubectl -n ${d.metadata.namespace} get configmap ${d.metadata.name} -o jsonpath='{.data.Corefile}' > Corefile) and synthesize.`));
    }
  }
  return checks;
}

/** Whether `live` holds every field `desired` sets, with the same value (the server adds defaults). */
function holds(live: any, desired: any): boolean {
  if (desired === null || typeof desired !== 'object') return live === desired;
  if (Array.isArray(desired)) return Array.isArray(live) && live.length === desired.length && desired.every((v, i) => holds(live[i], v));
  return live !== null && typeof live === 'object' && Object.entries(desired).every(([k, v]) => v === undefined || holds(live[k], v));
}

function deploymentChecks(d: any, l: any, desired: any[]): Check[] {
  const checks: Check[] = [];
  if (JSON.stringify(l.spec?.selector) !== JSON.stringify(d.spec.selector)) {
    checks.push(check(DriftStatus.DRIFT, `selects ${JSON.stringify(l.spec?.selector)}, the stack was computed for ${JSON.stringify(d.spec.selector)}: `
      + 'the apply conflicts on .spec.selector (and forced, the field is immutable); export this Deployment (CoreDnsDeployment.fromFile()) and synthesize.'));
  }
  const pod = l.spec?.template?.spec ?? {};
  const want = d.spec.template.spec;
  const wantContainer = want.containers[0];
  const container = (pod.containers ?? []).find((c: any) => c.name === wantContainer.name);
  if (container === undefined) {
    checks.push(check(DriftStatus.DRIFT, `has no container '${wantContainer.name}' (it has ${(pod.containers ?? []).map((c: any) => `'${c.name}'`).join(', ')}): `
      + 'the apply would add one without an image, which the API server refuses; set containerName.'));
  }
  const configMap = desired.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === d.metadata.namespace
    && o.metadata.annotations?.[BASE_COREFILE_ANNOTATION] !== undefined);
  const mountedConfigMaps = (pod.volumes ?? []).filter((v: any) => v.configMap).map((v: any) => v.configMap.name);
  if (configMap !== undefined && !mountedConfigMaps.includes(configMap.metadata.name)) {
    checks.push(check(DriftStatus.DRIFT, `does not mount ConfigMap '${configMap.metadata.name}', whose Corefile the stack edits `
      + `(it mounts ${mountedConfigMaps.map((n: string) => `'${n}'`).join(', ') || 'none'}): this is not the CoreDNS the stack was computed for.`));
  }

  const volume = want.volumes[0];
  const liveVolume = (pod.volumes ?? []).find((v: any) => v.name === volume.name);
  const mount = wantContainer.volumeMounts[0];
  const liveMount = (container?.volumeMounts ?? []).find((m: any) => m.mountPath === mount.mountPath);
  if (liveVolume === undefined || liveMount === undefined) {
    checks.push(check(DriftStatus.WILL_CHANGE, `applying adds ${liveVolume === undefined ? `volume '${volume.name}' (ConfigMap ${volume.configMap.name}) and ` : ''}`
      + `its mount at ${mount.mountPath} in container '${wantContainer.name}'.`));
  }
  if (liveVolume !== undefined && !holds(liveVolume, volume)) {
    checks.push(check(DriftStatus.DRIFT, `volume '${volume.name}' is ${JSON.stringify(liveVolume)}, the stack writes ${JSON.stringify(volume)}: applying would change it.`));
  }
  if (liveMount !== undefined && !holds(liveMount, mount)) {
    checks.push(check(DriftStatus.DRIFT, `the mount at ${mount.mountPath} is ${JSON.stringify(liveMount)}, the stack writes ${JSON.stringify(mount)}: applying would change it.`));
  }
  if (liveVolume !== undefined && liveMount !== undefined && holds(liveVolume, volume) && holds(liveMount, mount)) {
    checks.push(check(DriftStatus.IN_SYNC, `volume '${volume.name}' and its mount at ${mount.mountPath}: as the stack writes them.`));
  }

  const checksum = d.spec.template.metadata.annotations[CHECKSUM_ANNOTATION];
  if (l.spec?.template?.metadata?.annotations?.[CHECKSUM_ANNOTATION] !== checksum) {
    checks.push(check(DriftStatus.WILL_CHANGE, 'the pod template\'s Corefile checksum changes: the CoreDNS pods roll and read the new Corefile.'));
  }

  const liveImage = container?.image;
  if (wantContainer.image !== undefined && wantContainer.image !== liveImage) {
    checks.push(check(DriftStatus.DRIFT, `the stack sets image ${wantContainer.image}, the cluster runs ${liveImage}: applying would replace it; `
      + 'leave image out of CoreDnsDeployment.kubeadm() to keep the cluster\'s, or update it.'));
  }
  if (d.spec.replicas !== undefined && d.spec.replicas !== l.spec?.replicas) {
    checks.push(check(DriftStatus.DRIFT, `the stack sets ${d.spec.replicas} replicas, the cluster runs ${l.spec?.replicas}: applying would replace the count; `
      + 'leave replicas out of CoreDnsDeployment.kubeadm() to keep the cluster\'s (and its autoscaler\'s).'));
  }
  const kept = [wantContainer.image === undefined && liveImage !== undefined ? `image ${liveImage}` : undefined,
    d.spec.replicas === undefined && l.spec?.replicas !== undefined ? `${l.spec.replicas} replicas` : undefined].filter((x) => x !== undefined);
  if (kept.length > 0) checks.push(check(DriftStatus.IN_SYNC, `${kept.join(' and ')} stay the cluster's: the stack writes neither.`));
  return checks;
}

function portsOf(value: unknown): string[] {
  return typeof value === 'string' ? value.split(',').map((p) => p.trim()).filter((p) => p !== '') : [];
}

function gatewayChecks(d: any, l: any, manager: string): Check[] {
  const checks: Check[] = [];
  if (!CLOUD_EXPOSE_TYPES.includes(l.spec?.exposeType)) {
    checks.push(check(DriftStatus.DRIFT, `is no longer a cloud Gateway (exposeType ${JSON.stringify(l.spec?.exposeType)}): the proxy Service does not take its ports; `
      + 'export the cloud Gateway and synthesize.'));
  }
  for (const field of ['proxyHTTPPort', 'proxyHTTPSPort']) {
    const want: string | undefined = d.spec?.proxyConfig?.[field];
    if (want === undefined) continue;
    const have: string | undefined = l.spec?.proxyConfig?.[field];
    if (have === want) {
      checks.push(check(DriftStatus.IN_SYNC, `${field} '${want}': as the stack writes it.`));
      continue;
    }
    const dropped = portsOf(have).filter((p) => !portsOf(want).includes(p));
    const added = portsOf(want).filter((p) => !portsOf(have).includes(p));
    if (dropped.length > 0) {
      checks.push(check(DriftStatus.DRIFT, `${field}: the live Gateway proxies '${have}', the stack writes '${want}': applying would stop proxying `
        + `${dropped.join(', ')}, added since the export; export the Gateway again and synthesize.`));
    } else {
      checks.push(check(DriftStatus.WILL_CHANGE,
        `${field}: applying sets '${want}' (live '${have ?? ''}')${added.length > 0 ? `, adding ${added.join(', ')}` : ', the same ports in another order'}.`,
        ...conflictNote(l, ['f:spec', 'f:proxyConfig', `f:${field}`], `.spec.proxyConfig.${field}`, manager)));
    }
  }
  return checks;
}

/**
 * A live object that was once applied client-side: kubectl's `apply --server-side` (and Argo CD's
 * client-side-apply migration) first hands every field the client-side manager set to the server-side
 * field manager, then applies the configuration, which deletes those it does not hold (k8s.io/kubectl
 * pkg/cmd/apply/apply.go, migrateToSSAIfNecessary). For a configuration of only the library's fields,
 * that is the image, the replicas, the containers.
 */
function clientSideApplyChecks(d: any, l: any): Check[] {
  if (l.metadata?.annotations?.[LAST_APPLIED] === undefined) return [];
  const appliers: string[] = (l.metadata.managedFields ?? [])
    .filter((e: any) => e.operation === 'Update' && e.fieldsV1?.['f:metadata']?.['f:annotations']?.[`f:${LAST_APPLIED}`] !== undefined)
    .map((e: any) => e.manager as string);
  if (appliers.length === 0) return [];
  const target = d.kind === 'Gateway' ? `gateways.raven.openyurt.io ${d.metadata.name}` : `-n ${d.metadata.namespace} ${d.kind.toLowerCase()} ${d.metadata.name}`;
  return [check(DriftStatus.DRIFT,
    `was applied client-side (kubectl.kubernetes.io/last-applied-configuration, owned by ${appliers.map((m) => `'${m}'`).join(', ')}): `
    + '`kubectl apply --server-side` would first hand every field that manager set to your field manager, then delete those the stack does not write. '
    + `Remove the annotation first: kubectl annotate ${target} ${LAST_APPLIED}-`)];
}

/** The changed lines between two texts (`- ` only in the first, `+ ` only in the second), in order. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > 4_000_000) return ['(too long to compare line by line)'];
  // Longest common subsequence, by dynamic programming from the end.
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out.length > MAX_DIFF_LINES ? [...out.slice(0, MAX_DIFF_LINES), `(${out.length - MAX_DIFF_LINES} more changed lines)`] : out;
}
