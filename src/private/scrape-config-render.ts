/**
 * Renders a prometheus-operator `ScrapeConfig` (monitoring.coreos.com/v1alpha1, as synthesized)
 * into the `scrape_configs` entry Prometheus finally runs.
 *
 * Two styles:
 *
 * - **operator style** (`renderOperatorStyle`, public as `PrometheusConfig.renderScrapeConfig`)
 *   reproduces what prometheus-operator v0.93 generates in `generateScrapeConfig`: job
 *   `scrapeConfig/<namespace>/<name>`, the leading `job` → `__tmp_prometheus_job_name`
 *   relabeling, Secrets inlined (the bearer token appears in clear in the generated config), TLS
 *   material as files under `/etc/prometheus/certs`, keys in the operator's order. A missing Secret or key throws, as the operator then rejects the whole
 *   ScrapeConfig.
 * - **plain style** (`renderPlainStyle`, public as `PrometheusConfig.renderPlainScrapeConfig`) is
 *   the same scrape for a Prometheus that runs without the operator inside the cluster: the pod's
 *   own ServiceAccount token and CA files replace the Secret, and the job name cannot collide
 *   with operator-generated ones.
 *
 * Pure: no cdk8s imports, plain objects in and out (serialize with any YAML library).
 *
 * What the renderer does not model, and therefore refuses instead of silently dropping: scrape
 * classes (they live on the Prometheus resource), proxies, OAuth2 and the service discoveries
 * other than `kubernetesSDConfigs` and `staticConfigs`. It assumes the Prometheus resource sets no
 * `enforcedNamespaceLabel`, no `overrideHonorLabels`/`overrideHonorTimestamps`, no enforced limits,
 * no default scrape class and none of the operator's sharding feature gates (topology sharding,
 * shard retention); each of those makes the operator add or change keys. `spec.shards` is modelled
 * (`shards`).
 *
 * Checked against the operator's own code (operator-render in the upstream suite): every
 * ScrapeConfig the library can write renders identically, key order included.
 *
 * Prometheus 2.x and 3.x differences for what is emitted here:
 * - `authorization` needs Prometheus >= 2.26; `attach_metadata` >= 2.35 (role pod) / 2.37
 *   (endpoints); `keep_dropped_targets` >= 2.47; `track_timestamps_staleness` >= 2.48;
 *   `enable_compression` and `scrape_protocols` >= 2.49. Debian 12 ships 2.42, which rejects
 *   the last four. Give `prometheusVersion` to drop them as the operator does for old versions.
 * - Prometheus 3.x refuses a scrape whose `Content-Type` is missing or unknown unless
 *   `fallback_scrape_protocol` is set; node-exporter and the kubelet send a valid type, 2.x
 *   never checked it.
 * - Prometheus 3.x accepts UTF-8 label names; 2.x only `[a-zA-Z_][a-zA-Z0-9_]*`. Everything the
 *   library writes is in the 2.x alphabet.
 * - Prometheus 3.x relabeling regexes let `.` match a newline; none of the library's do.
 *
 * @see https://github.com/prometheus-operator/prometheus-operator/blob/main/pkg/prometheus/promcfg.go
 */

export const OPERATOR_TLS_ASSETS_DIR = '/etc/prometheus/certs';
export const SERVICE_ACCOUNT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';
export const SERVICE_ACCOUNT_CA_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/** Secret or ConfigMap contents by object name then key, decoded (not base64). */
type ObjectData = { [name: string]: { [key: string]: string } };

/** What the operator-style rendering reads besides the manifest (`OperatorRenderOptions`). */
export interface OperatorStyleInput {
  readonly secrets?: ObjectData;
  readonly configMaps?: ObjectData;
  readonly prometheusVersion?: string;
  readonly shards?: number;
}

/** What the plain-style rendering reads besides the manifest (`PlainRenderOptions`). */
export interface PlainStyleInput {
  readonly jobNamePrefix?: string;
  readonly prometheusVersion?: string;
}

type Style = 'operator' | 'plain';

interface RenderContext {
  readonly style: Style;
  readonly shards: number;
  readonly owner: string;
  readonly namespace: string;
  readonly secrets: ObjectData;
  readonly configMaps: ObjectData;
  readonly version?: [number, number, number];
}

const OPERATOR_JOB_PREFIXES = ['serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig'];

const SUPPORTED_SPEC_KEYS = new Set([
  'jobName', 'honorTimestamps', 'trackTimestampsStaleness', 'honorLabels', 'metricsPath', 'params',
  'enableCompression', 'scrapeInterval', 'scrapeTimeout', 'scrapeProtocols', 'scheme', 'basicAuth',
  'authorization', 'tlsConfig', 'sampleLimit', 'targetLimit', 'labelLimit', 'labelNameLengthLimit',
  'labelValueLengthLimit', 'keepDroppedTargets', 'staticConfigs', 'kubernetesSDConfigs', 'relabelings',
  'metricRelabelings',
]);

const SUPPORTED_K8S_SD_KEYS = new Set([
  'apiServer', 'role', 'basicAuth', 'authorization', 'followRedirects', 'enableHTTP2', 'tlsConfig',
  'namespaces', 'selectors', 'attachMetadata',
]);

const K8S_ROLES = ['Pod', 'Endpoints', 'Ingress', 'Service', 'Node', 'EndpointSlice'];

const RELABEL_ACTIONS = [
  'replace', 'keep', 'drop', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
  'keepequal', 'dropequal',
];

/** Actions Prometheus refuses without a target_label. */
const ACTIONS_NEEDING_TARGET = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];

/**
 * The `scrape_configs` entry prometheus-operator v0.93 generates for a ScrapeConfig.
 *
 * @param manifest the ScrapeConfig as synthesized (apiVersion, kind, metadata, spec)
 * @param options the Secrets (and ConfigMaps) of its namespace, and the Prometheus version
 * @param caller the public entry point, named in errors about the arguments
 * @throws when a referenced Secret, ConfigMap or key is missing (the operator rejects the
 *   ScrapeConfig), when the spec is invalid, or when it uses a field this renderer does not model
 */
export function renderOperatorStyle(manifest: any, options: OperatorStyleInput, caller: string): any {
  const { namespace, name } = checkManifest(manifest, caller);
  const shards = options.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1) {
    throw new Error(`${caller}: 'shards' must be a positive integer (spec.shards of the Prometheus resource), got ${JSON.stringify(options.shards)}.`);
  }
  return render(manifest.spec ?? {}, `scrapeConfig/${namespace}/${name}`, {
    style: 'operator',
    shards,
    owner: `ScrapeConfig ${namespace}/${name}`,
    namespace,
    secrets: options.secrets ?? {},
    configMaps: options.configMaps ?? {},
    version: options.prometheusVersion === undefined ? undefined : parseVersion(options.prometheusVersion, caller),
  });
}

/**
 * The same scrape for a Prometheus deployed without prometheus-operator, in the cluster.
 *
 * The bearer token is read from the pod's ServiceAccount token file (so the ScrapeConfig's token
 * Secret must be a token of that same ServiceAccount), the cluster CA file is used when the
 * certificate is verified, and the job is `<jobNamePrefix>/<namespace>/<name>`. The operator's
 * leading `__tmp_prometheus_job_name` relabeling is not emitted.
 */
export function renderPlainStyle(manifest: any, options: PlainStyleInput, caller: string): any {
  const { namespace, name } = checkManifest(manifest, caller);
  const prefix = options.jobNamePrefix ?? 'raven';
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(prefix) || OPERATOR_JOB_PREFIXES.includes(prefix)) {
    throw new Error(`${caller}: 'jobNamePrefix' must be a word other than ${OPERATOR_JOB_PREFIXES.join(', ')} `
      + `(prometheus-operator's own job prefixes), got '${prefix}'.`);
  }
  return render(manifest.spec ?? {}, `${prefix}/${namespace}/${name}`, {
    style: 'plain',
    shards: 1,
    owner: `ScrapeConfig ${namespace}/${name}`,
    namespace,
    secrets: {},
    configMaps: {},
    version: options.prometheusVersion === undefined ? undefined : parseVersion(options.prometheusVersion, caller),
  });
}

function checkManifest(manifest: any, caller: string): { namespace: string; name: string } {
  if (manifest === null || typeof manifest !== 'object' || manifest.kind !== 'ScrapeConfig'
    || manifest.apiVersion !== 'monitoring.coreos.com/v1alpha1') {
    throw new Error(`${caller}: expected a monitoring.coreos.com/v1alpha1 ScrapeConfig, got ${describeObject(manifest)}.`);
  }
  const name = manifest.metadata?.name;
  const namespace = manifest.metadata?.namespace;
  if (typeof name !== 'string' || name === '') {
    throw new Error(`${caller}: the ScrapeConfig has no metadata.name.`);
  }
  if (typeof namespace !== 'string' || namespace === '') {
    throw new Error(`${caller}: ScrapeConfig '${name}' has no metadata.namespace; `
      + 'the operator reads its Secrets from that namespace and names the job after it. Give the chart or the construct a namespace.');
  }
  return { namespace, name };
}

function describeObject(value: any): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value);
  }
  return `${value.apiVersion ?? '<no apiVersion>'} ${value.kind ?? '<no kind>'}`;
}

function render(spec: any, jobName: string, ctx: RenderContext): any {
  const unsupported = Object.keys(spec).filter((key) => !SUPPORTED_SPEC_KEYS.has(key));
  if (unsupported.length > 0) {
    throw new Error(`${ctx.owner}: spec.${unsupported.join(', spec.')} is not supported by this renderer, `
      + `which models ${[...SUPPORTED_SPEC_KEYS].join(', ')}.`);
  }
  const auths = ['basicAuth', 'authorization', 'oauth2'].filter((key) => spec[key] !== undefined);
  if (auths.length > 1) {
    throw new Error(`${ctx.owner}: at most one of basicAuth, authorization and oauth2 may be set (the CRD's rule), got ${auths.join(' and ')}.`);
  }

  const cfg: any = { job_name: jobName };
  const relabelings: any[] = ctx.style === 'operator'
    ? [{ source_labels: ['job'], target_label: '__tmp_prometheus_job_name' }]
    : [];
  if (spec.jobName !== undefined) {
    relabelings.push({ target_label: 'job', action: 'replace', replacement: spec.jobName });
  }

  if (spec.honorTimestamps !== undefined) {
    putSince(ctx, cfg, 'honor_timestamps', spec.honorTimestamps, '2.9.0');
  }
  if (spec.trackTimestampsStaleness !== undefined) {
    putSince(ctx, cfg, 'track_timestamps_staleness', spec.trackTimestampsStaleness, '2.48.0');
  }
  if (spec.honorLabels !== undefined) {
    cfg.honor_labels = spec.honorLabels;
  }
  if (spec.metricsPath !== undefined) {
    cfg.metrics_path = spec.metricsPath;
  }
  if (spec.params !== undefined && Object.keys(spec.params).length > 0) {
    cfg.params = sortedObject(spec.params);
  }
  if (spec.enableCompression !== undefined) {
    putSince(ctx, cfg, 'enable_compression', spec.enableCompression, '2.49.0');
  }
  if (spec.scrapeInterval !== undefined) {
    cfg.scrape_interval = spec.scrapeInterval;
  }
  if (spec.scrapeTimeout !== undefined) {
    cfg.scrape_timeout = spec.scrapeTimeout;
  }
  if (Array.isArray(spec.scrapeProtocols) && spec.scrapeProtocols.length > 0) {
    putSince(ctx, cfg, 'scrape_protocols', spec.scrapeProtocols, '2.49.0');
  }
  if (spec.scheme !== undefined) {
    cfg.scheme = String(spec.scheme).toLowerCase();
  }
  addBasicAuth(ctx, cfg, spec.basicAuth, 'spec.basicAuth');
  addAuthorization(ctx, cfg, spec.authorization, 'spec.authorization');
  addTls(ctx, cfg, spec.tlsConfig, 'spec.tlsConfig', cfg.scheme === 'https');

  putLimit(ctx, cfg, 'sample_limit', spec.sampleLimit);
  putLimit(ctx, cfg, 'target_limit', spec.targetLimit, '2.21.0');
  putLimit(ctx, cfg, 'label_limit', spec.labelLimit, '2.27.0');
  putLimit(ctx, cfg, 'label_name_length_limit', spec.labelNameLengthLimit, '2.27.0');
  putLimit(ctx, cfg, 'label_value_length_limit', spec.labelValueLengthLimit, '2.27.0');
  putLimit(ctx, cfg, 'keep_dropped_targets', spec.keepDroppedTargets, '2.47.0');

  if (Array.isArray(spec.staticConfigs) && spec.staticConfigs.length > 0) {
    cfg.static_configs = spec.staticConfigs.map((sc: any) => ({
      targets: sc.targets ?? [],
      labels: sortedObject(sc.labels ?? {}),
    }));
  }
  if (Array.isArray(spec.kubernetesSDConfigs) && spec.kubernetesSDConfigs.length > 0) {
    cfg.kubernetes_sd_configs = spec.kubernetesSDConfigs.map((sd: any, i: number) => renderKubernetesSd(ctx, sd, `spec.kubernetesSDConfigs[${i}]`));
  }

  relabelings.push(...renderRelabelings(ctx, spec.relabelings, 'spec.relabelings'));
  if (ctx.shards > 1 && !relabelings.some((r) => r.action === 'hashmod')) {
    relabelings.push(...shardingRelabelings(ctx.shards));
  }
  cfg.relabel_configs = relabelings;
  const metricRelabelings = renderRelabelings(ctx, spec.metricRelabelings, 'spec.metricRelabelings');
  if (metricRelabelings.length > 0) {
    cfg.metric_relabel_configs = metricRelabelings;
  }
  return cfg;
}

/**
 * What the operator appends for `spec.shards` > 1 (promcfg.go, appendShardingRelabelingWithLabel):
 * `__tmp_hash` keeps a value a relabeling gave it, else takes `__address__`; its hash modulo the
 * shards must equal the shard's `SHARD` (substituted by the config reloader), unless the target
 * sets `__tmp_disable_sharding`.
 */
function shardingRelabelings(shards: number): any[] {
  return [
    { source_labels: ['__address__', '__tmp_hash'], target_label: '__tmp_hash', regex: '(.+);', replacement: '$1', action: 'replace' },
    { source_labels: ['__tmp_hash'], target_label: '__tmp_hash', modulus: shards, action: 'hashmod' },
    { source_labels: ['__tmp_hash', '__tmp_disable_sharding'], regex: '$(SHARD);|.+;.+', action: 'keep' },
  ];
}

function renderKubernetesSd(ctx: RenderContext, sd: any, path: string): any {
  const unsupported = Object.keys(sd ?? {}).filter((key) => !SUPPORTED_K8S_SD_KEYS.has(key));
  if (unsupported.length > 0) {
    throw new Error(`${ctx.owner}: ${path}.${unsupported.join(`, ${path}.`)} is not supported by this renderer.`);
  }
  if (!K8S_ROLES.includes(sd.role)) {
    throw new Error(`${ctx.owner}: ${path}.role must be one of ${K8S_ROLES.join(', ')}, got ${JSON.stringify(sd.role)}.`);
  }
  const role = String(sd.role).toLowerCase();
  const out: any = {};
  if (sd.apiServer !== undefined) {
    out.api_server = sd.apiServer;
  }
  if (role === 'endpointslice') {
    putSince(ctx, out, 'role', role, '2.21.0');
  } else {
    out.role = role;
  }
  addBasicAuth(ctx, out, sd.basicAuth, `${path}.basicAuth`);
  addAuthorization(ctx, out, sd.authorization, `${path}.authorization`);
  if (sd.followRedirects !== undefined) {
    out.follow_redirects = sd.followRedirects;
  }
  if (sd.enableHTTP2 !== undefined) {
    out.enable_http2 = sd.enableHTTP2;
  }
  addTls(ctx, out, sd.tlsConfig, `${path}.tlsConfig`, false);
  if (sd.namespaces !== undefined) {
    const namespaces: any = { names: sd.namespaces.names ?? [] };
    if (sd.namespaces.ownNamespace !== undefined) {
      namespaces.own_namespace = sd.namespaces.ownNamespace;
    }
    out.namespaces = namespaces;
  }
  if (Array.isArray(sd.selectors) && sd.selectors.length > 0) {
    const selectors = sd.selectors.map((s: any, i: number) => {
      if (!K8S_ROLES.includes(s.role)) {
        throw new Error(`${ctx.owner}: ${path}.selectors[${i}].role must be one of ${K8S_ROLES.join(', ')}, got ${JSON.stringify(s.role)}.`);
      }
      const selector: any = { role: String(s.role).toLowerCase() };
      if (s.label !== undefined) {
        selector.label = s.label;
      }
      if (s.field !== undefined) {
        selector.field = s.field;
      }
      return selector;
    });
    putSince(ctx, out, 'selectors', selectors, '2.17.0');
  }
  if (sd.attachMetadata !== undefined) {
    // The operator passes attachMetadata only for the roles Prometheus supports it on, and
    // ignores it (with a warning) for the others, e.g. role node.
    const attach = sd.attachMetadata.node === undefined ? {} : { node: sd.attachMetadata.node };
    if (role === 'pod') {
      putSince(ctx, out, 'attach_metadata', attach, '2.35.0');
    } else if (role === 'endpoints' || role === 'endpointslice') {
      putSince(ctx, out, 'attach_metadata', attach, '2.37.0');
    }
  }
  return out;
}

function renderRelabelings(ctx: RenderContext, relabelings: any, path: string): any[] {
  if (relabelings === undefined) {
    return [];
  }
  if (!Array.isArray(relabelings)) {
    throw new Error(`${ctx.owner}: ${path} must be a list, got ${JSON.stringify(relabelings)}.`);
  }
  return relabelings.map((r: any, i: number) => {
    // The API server fills in the CRD default `replace` before the operator sees the object.
    const action = String(r.action ?? 'replace').toLowerCase();
    if (!RELABEL_ACTIONS.includes(action)) {
      throw new Error(`${ctx.owner}: ${path}[${i}].action must be one of ${RELABEL_ACTIONS.join(', ')} (any case), got ${JSON.stringify(r.action)}.`);
    }
    if (ACTIONS_NEEDING_TARGET.includes(action) && !r.targetLabel) {
      throw new Error(`${ctx.owner}: ${path}[${i}] with action ${action} needs a targetLabel; Prometheus refuses the configuration without one.`);
    }
    if (action === 'hashmod' && !r.modulus) {
      throw new Error(`${ctx.owner}: ${path}[${i}] with action hashmod needs a non-zero modulus.`);
    }
    const out: any = {};
    if (Array.isArray(r.sourceLabels) && r.sourceLabels.length > 0) {
      out.source_labels = r.sourceLabels;
    }
    if (r.separator !== undefined) {
      out.separator = r.separator;
    }
    if (r.targetLabel) {
      out.target_label = r.targetLabel;
    }
    if (r.regex) {
      out.regex = r.regex;
    }
    if (r.modulus) {
      out.modulus = r.modulus;
    }
    if (r.replacement !== undefined) {
      out.replacement = r.replacement;
    }
    out.action = action;
    return out;
  });
}

function addAuthorization(ctx: RenderContext, cfg: any, auth: any, path: string): void {
  if (auth === undefined) {
    return;
  }
  const type = String(auth.type ?? '').trim() || 'Bearer';
  if (type.toLowerCase() === 'basic') {
    throw new Error(`${ctx.owner}: ${path}.type cannot be "Basic"; use basicAuth instead (the operator rejects it).`);
  }
  const out: any = { type };
  if (auth.credentials !== undefined) {
    if (ctx.style === 'operator') {
      out.credentials = secretValue(ctx, auth.credentials, `${path}.credentials`);
    } else {
      out.credentials_file = SERVICE_ACCOUNT_TOKEN_FILE;
    }
  }
  putSince(ctx, cfg, 'authorization', out, '2.26.0');
}

function addBasicAuth(ctx: RenderContext, cfg: any, basicAuth: any, path: string): void {
  if (basicAuth === undefined) {
    return;
  }
  if (ctx.style === 'plain') {
    throw new Error(`${ctx.owner}: ${path} reads a Secret, which a Prometheus without the operator cannot; the plain style supports bearer tokens only.`);
  }
  cfg.basic_auth = {
    username: secretValue(ctx, basicAuth.username, `${path}.username`),
    password: secretValue(ctx, basicAuth.password, `${path}.password`),
  };
}

function addTls(ctx: RenderContext, cfg: any, tls: any, path: string, httpsScrape: boolean): void {
  const isEmpty = tls === undefined || tls === null || Object.keys(tls).length === 0;
  if (ctx.style === 'plain') {
    // The pod's ServiceAccount volume carries kube-root-ca.crt's ca.crt as its ca.crt (the
    // projected volume Kubernetes mounts since 1.21): the one CA the plain style can read.
    const clusterRootCa = !isEmpty && isClusterRootCa(tls.ca);
    if (!isEmpty && ((tls.ca !== undefined && !clusterRootCa) || tls.cert !== undefined || tls.keySecret !== undefined)) {
      throw new Error(`${ctx.owner}: ${path}.ca/cert/keySecret read Secrets or ConfigMaps, which a Prometheus without the operator cannot; `
        + 'the plain style verifies with the ServiceAccount\'s cluster CA.');
    }
    const skip = !isEmpty && tls.insecureSkipVerify === true;
    if (isEmpty && !httpsScrape) {
      return;
    }
    const out: any = {};
    if (!isEmpty && tls.insecureSkipVerify !== undefined) {
      out.insecure_skip_verify = tls.insecureSkipVerify;
    }
    if (!skip && (httpsScrape || clusterRootCa)) {
      out.ca_file = SERVICE_ACCOUNT_CA_FILE;
    }
    if (!isEmpty && tls.serverName) {
      out.server_name = tls.serverName;
    }
    addTlsVersions(ctx, out, tls);
    if (Object.keys(out).length > 0) {
      cfg.tls_config = out;
    }
    return;
  }
  if (isEmpty) {
    // An empty tlsConfig is the Go zero value: the operator writes no tls_config at all.
    return;
  }
  const out: any = {};
  if (tls.insecureSkipVerify !== undefined) {
    out.insecure_skip_verify = tls.insecureSkipVerify;
  }
  if (tls.ca !== undefined) {
    out.ca_file = tlsAsset(ctx, tls.ca, `${path}.ca`, true);
  }
  if (tls.cert !== undefined) {
    out.cert_file = tlsAsset(ctx, tls.cert, `${path}.cert`, false);
  }
  if (tls.keySecret !== undefined) {
    out.key_file = tlsAsset(ctx, { secret: tls.keySecret }, `${path}.keySecret`, false);
  }
  if (tls.serverName) {
    out.server_name = tls.serverName;
  }
  addTlsVersions(ctx, out, tls);
  cfg.tls_config = out;
}

function addTlsVersions(ctx: RenderContext, out: any, tls: any): void {
  if (tls?.minVersion !== undefined) {
    putSince(ctx, out, 'min_version', tls.minVersion, '2.35.0');
  }
  if (tls?.maxVersion !== undefined) {
    putSince(ctx, out, 'max_version', tls.maxVersion, '2.41.0');
  }
}

/** Whether a CA selector names `ca.crt` of the `kube-root-ca.crt` ConfigMap. */
function isClusterRootCa(sel: any): boolean {
  return sel?.configMap?.name === 'kube-root-ca.crt' && sel?.configMap?.key === 'ca.crt';
}

/** `<dir>/<0 for a Secret, 1 for a ConfigMap>_<namespace>_<name>_<key>`, after checking it exists. */
function tlsAsset(ctx: RenderContext, sel: any, path: string, mustBeCertificate: boolean): string {
  let value: string;
  let prefix: string;
  let ref: any;
  if (sel?.secret) {
    value = secretValue(ctx, sel.secret, `${path}.secret`);
    prefix = '0';
    ref = sel.secret;
  } else if (sel?.configMap) {
    ref = sel.configMap;
    const data = ctx.configMaps[ref.name];
    if (data === undefined && isClusterRootCa(sel)) {
      // Kubernetes publishes kube-root-ca.crt in every namespace (root-ca-cert-publisher, 1.21+):
      // the operator finds it whether or not it was passed here.
      return `${OPERATOR_TLS_ASSETS_DIR}/1_${ctx.namespace}_${ref.name}_${ref.key}`;
    }
    if (data === undefined) {
      throw new Error(`${ctx.owner}: ${path}.configMap refers to ConfigMap '${ref.name}', which does not exist in namespace '${ctx.namespace}'; `
        + 'prometheus-operator rejects the whole ScrapeConfig.');
    }
    if (!(ref.key in data)) {
      throw new Error(`${ctx.owner}: ${path}.configMap refers to key '${ref.key}' of ConfigMap ${ctx.namespace}/${ref.name}, which has only `
        + `${Object.keys(data).join(', ') || 'no keys'}; prometheus-operator rejects the whole ScrapeConfig.`);
    }
    value = data[ref.key];
    prefix = '1';
  } else {
    throw new Error(`${ctx.owner}: ${path} must name a secret or a configMap, got ${JSON.stringify(sel)}.`);
  }
  if (mustBeCertificate && !/-----BEGIN CERTIFICATE-----/.test(value)) {
    throw new Error(`${ctx.owner}: ${path} must hold a PEM certificate; the operator rejects the ScrapeConfig when it fails to parse.`);
  }
  return `${OPERATOR_TLS_ASSETS_DIR}/${prefix}_${ctx.namespace}_${ref.name}_${ref.key}`;
}

function secretValue(ctx: RenderContext, sel: any, path: string): string {
  const name = sel?.name;
  const key = sel?.key;
  if (typeof name !== 'string' || name === '' || typeof key !== 'string' || key === '') {
    throw new Error(`${ctx.owner}: ${path} must name a Secret and a key, got ${JSON.stringify(sel)}.`);
  }
  const data = ctx.secrets[name];
  if (data === undefined) {
    throw new Error(`${ctx.owner}: ${path} refers to Secret '${name}', which does not exist in namespace '${ctx.namespace}' `
      + '(the operator reads Secrets from the ScrapeConfig\'s own namespace); prometheus-operator rejects the whole ScrapeConfig.');
  }
  if (!(key in data)) {
    throw new Error(`${ctx.owner}: ${path} refers to key '${key}' of Secret ${ctx.namespace}/${name}, which has only `
      + `${Object.keys(data).join(', ') || 'no keys'} (a service-account-token Secret is filled by Kubernetes only once its ServiceAccount exists); `
      + 'prometheus-operator rejects the whole ScrapeConfig.');
  }
  return data[key];
}

function putLimit(ctx: RenderContext, cfg: any, key: string, value: any, since?: string): void {
  if (value === undefined) {
    return;
  }
  if (since) {
    putSince(ctx, cfg, key, value, since);
  } else {
    cfg[key] = value;
  }
}

/** Sets a key the operator writes only for Prometheus versions from `since` on. */
function putSince(ctx: RenderContext, cfg: any, key: string, value: any, since: string): void {
  if (ctx.version && compareVersions(ctx.version, parseVersion(since, 'renderer')) < 0) {
    return;
  }
  cfg[key] = value;
}

function parseVersion(version: string, caller: string): [number, number, number] {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) {
    throw new Error(`${caller}: 'prometheusVersion' must look like 2.42.0 or v3.5.0, got '${version}'.`);
  }
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) {
      return a[i] - b[i];
    }
  }
  return 0;
}

/** Go's yaml.v2 writes maps with sorted keys; the operator also sorts params explicitly. */
function sortedObject(obj: { [key: string]: any }): { [key: string]: any } {
  const out: { [key: string]: any } = {};
  for (const key of Object.keys(obj).sort()) {
    out[key] = obj[key];
  }
  return out;
}
