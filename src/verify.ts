import { checkKnownProps } from './private/known-props';
import { describeValue } from './private/validation';

/**
 * The `verify` check: reads Prometheus' `/api/v1/targets` answer, picks the targets the library
 * created and explains every one that is not up from its scrape URL and last error, in the
 * terms of the Raven setup (tunnel-nodes DNS, Gateway ports, the proxy's certificates, RBAC).
 *
 * Pure: JSON in, report out. The command line lives in `private/cli.ts`.
 */

/** The marker label every target of the library carries. */
const MARKER_LABEL = 'scrape_via';
const MARKER_VALUE = 'raven';
/** The Raven L7 proxy's Service, as the DNS-free addressing writes it. */
const RAVEN_PROXY_SERVICE = 'x-raven-proxy-internal-svc';

/** Why a target of the library is not up. */
export enum TargetProblem {
  /** Not scraped yet: the target was just discovered. */
  NOT_SCRAPED_YET = 'not-scraped-yet',
  /** The scrape address is an IP: the relabeling to the node name is missing. */
  ADDRESS_NOT_REWRITTEN = 'address-not-rewritten',
  /** The node name does not resolve: the tunnel-nodes hosts file is not wired into the DNS Prometheus uses. */
  TUNNEL_DNS_NOT_WIRED = 'tunnel-dns-not-wired',
  /** The Raven proxy Service name does not resolve: the L7 proxy is not enabled. */
  PROXY_SERVICE_MISSING = 'proxy-service-missing',
  /** The node name resolves but the port does not answer through the proxy. */
  PORT_NOT_PROXIED = 'port-not-proxied',
  /** The DNS-free address (Service + nodeName parameter) fails. */
  NODE_NAME_PARAMETER_FAILED = 'node-name-parameter-failed',
  /**
   * HTTP 401: the kubelet did not accept the Raven proxy's client certificate (`tunnel-proxy-client`),
   * nor, where one is sent (`sendServiceAccountTokenToNodes`), the bearer token.
   */
  UNAUTHENTICATED = 'unauthenticated',
  /** HTTP 403: the identity the kubelet saw (through Raven, `tunnel-proxy-client`) may not read node metrics. */
  RBAC_DENIED = 'rbac-denied',
  /** The TLS handshake or the check of the proxy's certificate (its CA or its names) fails. */
  TLS_FAILED = 'tls-failed',
  /** Anything else; the last error says more. */
  OTHER = 'other',
}

/** One selected target and, when it is not up, why. */
export interface TargetDiagnosis {
  /** The Prometheus job (`scrapeConfig/<namespace>/<name>` with prometheus-operator). */
  readonly scrapePool: string;
  /** The URL Prometheus scrapes. */
  readonly scrapeUrl: string;
  /** `up`, `down` or `unknown`. */
  readonly health: string;
  /** Prometheus' last scrape error; empty when up. */
  readonly lastError: string;
  /**
   * Why the target is not up.
   *
   * @default - absent: the target is up
   */
  readonly problem?: TargetProblem;
  /**
   * What to check or change.
   *
   * @default - absent: the target is up
   */
  readonly explanation?: string;
}

/** Which targets the check looks at. */
export interface VerifyOptions {
  /**
   * A regular expression matched (unanchored) against each target's job and scrape pool, for
   * setups whose targets lack the library's `scrape_via="raven"` label, e.g. the manual
   * recipe's hand-written ScrapeConfigs: `scrapeConfig/monitor/(node-exporter|kubelet)-raven`.
   *
   * @default - targets labelled scrape_via="raven"
   */
  readonly jobPattern?: string;
}

/**
 * The result of checking a Prometheus' targets.
 */
export class TargetsReport {
  /**
   * Checks the JSON answer of Prometheus' `GET /api/v1/targets`.
   *
   * @param response the parsed answer (`{ status: 'success', data: { activeTargets: [...] } }`)
   * @throws when the answer is not a successful targets answer, or the pattern is not a regex
   * @param options which targets to check
   */
  public static fromTargetsResponse(response: any, options: VerifyOptions = {}): TargetsReport {
    checkKnownProps('TargetsReport.fromTargetsResponse', 'options', options, 'VerifyOptions');
    if (response === null || typeof response !== 'object' || response.status !== 'success'
      || !Array.isArray(response.data?.activeTargets)) {
      throw new Error('not a Prometheus /api/v1/targets answer: expected {"status":"success","data":{"activeTargets":[...]}}, got '
        + describeValue(response));
    }
    let pattern: RegExp | undefined;
    if (options.jobPattern !== undefined) {
      try {
        pattern = new RegExp(options.jobPattern);
      } catch (e) {
        throw new Error(`the job pattern '${options.jobPattern}' is not a regular expression: ${(e as Error).message}`);
      }
    }
    const selection = pattern
      ? `job or scrape pool matching /${options.jobPattern}/`
      : `label ${MARKER_LABEL}="${MARKER_VALUE}"`;
    const selected = (response.data.activeTargets as any[]).filter((t) => pattern
      ? pattern.test(String(t.scrapePool ?? '')) || pattern.test(String(t.labels?.job ?? ''))
      : t.labels?.[MARKER_LABEL] === MARKER_VALUE);
    // A kubelet ScrapeConfig the operator rejects (a missing CA ConfigMap, or token Secret) leaves no
    // target at all: noticeable only as the kubelet targets missing next to the library's others.
    const noKubelet = !pattern && selected.length > 0 && !selected.some((t) => t.labels?.job === 'kubelet');
    return new TargetsReport(selection, selected.map(diagnose), noKubelet);
  }

  /** The selected targets, in Prometheus' order. */
  public readonly targets: TargetDiagnosis[];
  /** How the targets were selected, for the report's first line. */
  public readonly selection: string;
  /** Whether the library's targets include no kubelet target. */
  public readonly noKubeletTarget: boolean;

  private constructor(selection: string, targets: TargetDiagnosis[], noKubeletTarget: boolean) {
    this.selection = selection;
    this.targets = targets;
    this.noKubeletTarget = noKubeletTarget;
  }

  /** True when at least one target was selected and every selected target is up. */
  public get ok(): boolean {
    return this.targets.length > 0 && this.targets.every((t) => t.health === 'up');
  }

  /** The report for a terminal: a summary, then one line per target and the explanation of each failure. */
  public toText(): string {
    const up = this.targets.filter((t) => t.health === 'up').length;
    const lines = [`Raven scrape targets (${this.selection}): ${this.targets.length} found, ${up} up, ${this.targets.length - up} not up`];
    if (this.targets.length === 0) {
      lines.push('No target selected. Check that the ScrapeConfigs are picked up by the Prometheus resource '
        + '(its scrapeConfigSelector, e.g. the label release: <helm release>, and scrapeConfigNamespaceSelector), '
        + 'that prometheus-operator accepted them (its log names rejected ScrapeConfigs, e.g. for a ConfigMap or Secret they '
        + 'reference that does not exist: kube-root-ca.crt, or, with sendServiceAccountTokenToNodes, a token Secret that is '
        + 'missing or not yet filled), and, for ScrapeConfigs not made by this library, pass --job with a pattern of their job names.');
    }
    if (this.noKubeletTarget) {
      lines.push('No kubelet target among them. If the stack scrapes the kubelet, prometheus-operator rejected its ScrapeConfigs '
        + 'for an object they reference. By default that is the CA ConfigMap kube-root-ca.crt (key ca.crt), which Kubernetes 1.21 '
        + 'and later publishes in every namespace: check kubectl -n <namespace> get configmap kube-root-ca.crt. With '
        + 'sendServiceAccountTokenToNodes it is most likely the token Secret: missing, or not yet filled because its ServiceAccount '
        + 'does not exist (Kubernetes then deletes it). Check kubectl -n <namespace> get secret prometheus-sa-token -o '
        + 'jsonpath=\'{.data.token}\' (empty or not found), that the ServiceAccount it names is the one Prometheus runs as, '
        + 'and the operator\'s log.');
    }
    const width = Math.max(0, ...this.targets.map((t) => t.scrapeUrl.length));
    for (const t of this.targets) {
      lines.push(`${t.health.padEnd(7)} ${t.scrapeUrl.padEnd(width)}  ${t.scrapePool}`);
      if (t.health !== 'up') {
        if (t.lastError) {
          lines.push(`        error: ${t.lastError}`);
        }
        lines.push(`        cause: ${t.explanation}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

function diagnose(target: any): TargetDiagnosis {
  const base = {
    scrapePool: String(target.scrapePool ?? ''),
    scrapeUrl: String(target.scrapeUrl ?? ''),
    health: String(target.health ?? 'unknown'),
    lastError: String(target.lastError ?? ''),
  };
  if (base.health === 'up') {
    return base;
  }
  const [problem, explanation] = explain(base.scrapeUrl, base.lastError, base.health);
  return { ...base, problem, explanation };
}

function explain(scrapeUrl: string, error: string, health: string): [TargetProblem, string] {
  if (health !== 'down') {
    return [TargetProblem.NOT_SCRAPED_YET, 'not scraped yet; run the check again after one scrape interval.'];
  }
  let url: URL | undefined;
  try {
    url = new URL(scrapeUrl);
  } catch {
    url = undefined;
  }
  const host = url ? url.hostname.replace(/^\[|\]$/g, '') : '';
  const port = url?.port || (url?.protocol === 'https:' ? '443' : '80');
  const nodeNameParam = url?.searchParams.get('nodeName') ?? undefined;
  const ipHost = isIpLiteral(host);
  const viaService = host === RAVEN_PROXY_SERVICE || host.startsWith(`${RAVEN_PROXY_SERVICE}.`) || (ipHost && nodeNameParam !== undefined);
  const err = error.toLowerCase();
  const status = /server returned http status (\d{3})/.exec(err)?.[1];

  if (ipHost && !viaService) {
    return [TargetProblem.ADDRESS_NOT_REWRITTEN,
      `the target is addressed by the IP ${host}, so the scrape goes straight to the node's network, which the cloud cannot reach, `
      + 'and the Raven proxy would refuse an IP anyway: the address was not rewritten to the node name. Add the relabeling '
      + `that sets __address__ to <node name>:${port} (from __meta_kubernetes_node_name, or __meta_kubernetes_pod_node_name for pod discovery).`];
  }
  if (err.includes('no such host') || err.includes('server misbehaving') || /lookup [^ ]+ on [^ ]+: .*(timeout|refused)/.test(err)) {
    if (viaService) {
      return [TargetProblem.PROXY_SERVICE_MISSING,
        `the Raven proxy Service ${host} does not resolve: the Raven L7 proxy is not enabled (ConfigMap kube-system/raven-cfg `
        + 'enable-l7-proxy: "true" creates Service kube-system/x-raven-proxy-internal-svc), or the address names another namespace.'];
    }
    return [TargetProblem.TUNNEL_DNS_NOT_WIRED,
      `the node name ${host} does not resolve in the DNS Prometheus uses: the tunnel-nodes hosts file is not wired in. Check the `
      + 'CoreDNS hosts plugin (hosts /etc/edge/tunnel-nodes { ... fallthrough }), the edge-tunnel-nodes ConfigMap mounted at /etc/edge '
      + 'in the CoreDNS pods (and that yurt-manager filled it), and the Prometheus pod\'s DNS policy (ClusterFirst, or a dnsConfig '
      + 'pointing at the DNS that has the hosts file).'];
  }
  if (status === '401') {
    return [TargetProblem.UNAUTHENTICATED,
      'the kubelet did not accept the Raven proxy\'s client certificate (401). Through Raven the proxy dials the kubelet with '
      + 'its own certificate (user tunnel-proxy-client, group openyurt:yurttunnel, signer kubernetes.io/kube-apiserver-client), '
      + 'which the kubelet authenticates before any bearer token: its --client-ca-file (authentication.x509.clientCAFile) is '
      + 'not the CA that signed that certificate, or raven-agent holds no valid one (its CSR, its log). The library sends no '
      + 'token by default, and a token would not help: the kubelet would still see the certificate first. Only with '
      + 'sendServiceAccountTokenToNodes, where the kubelet is reached without Raven\'s certificate, is the token checked: then it '
      + 'is one this cluster\'s API server does not accept (a foreign or revoked token in a Secret of your own, '
      + 'BearerToken.fromSecret). A missing or unfilled token Secret gives no 401: prometheus-operator rejects the ScrapeConfig '
      + 'and its targets disappear.'];
  }
  if (status === '403') {
    return [TargetProblem.RBAC_DENIED,
      'the kubelet authenticated the request but denied it (403). Through Raven it sees the proxy\'s client certificate, user '
      + 'tunnel-proxy-client (group openyurt:yurttunnel), never Prometheus\' token: the ClusterRole raven-proxy-user (get on '
      + 'nodes/metrics, nodes/stats, nodes/proxy) or its ClusterRoleBinding to tunnel-proxy-client is missing or changed. The '
      + 'raven-agent chart creates both; check with kubectl auth can-i get nodes/metrics --as tunnel-proxy-client '
      + '--as-group openyurt:yurttunnel. Granting nodes/metrics to Prometheus\' ServiceAccount does not help here; it '
      + 'counts only with sendServiceAccountTokenToNodes, where the kubelet is reached without Raven\'s certificate.'];
  }
  if (err.includes('x509') || err.includes('tls:') || err.includes('certificate')) {
    return [TargetProblem.TLS_FAILED, tlsExplanation(err, viaService)];
  }
  if (viaService) {
    return [TargetProblem.NODE_NAME_PARAMETER_FAILED,
      `the scrape through the Raven proxy Service with nodeName=${nodeNameParam ?? '<missing>'} fails: raven-agent before v0.4.4 `
      + 'ignores the nodeName parameter, or the node name is wrong, or the port is not proxied on the Gateway.'];
  }
  if (/connection refused|deadline exceeded|i\/o timeout|timeout|no route to host|connection reset|eof|unreachable/.test(err)
    || (status !== undefined && status.startsWith('5'))) {
    return [TargetProblem.PORT_NOT_PROXIED,
      `the node name resolves but port ${port} does not answer through the Raven proxy: the port is not proxied on the cloud `
      + `Gateway (spec.proxyConfig.${url?.protocol === 'https:' ? 'proxyHTTPSPort' : 'proxyHTTPPort'} must list ${port}), `
      + 'or the exporter is not running on the node.'];
  }
  return [TargetProblem.OTHER, `unrecognized failure${status ? ` (HTTP ${status})` : ''}; see the error above.`];
}

/** Why the proxy's certificate failed the check, leading with the cause the error names. */
function tlsExplanation(err: string, viaService: boolean): string {
  const wrongCa = 'the CA Prometheus verifies with did not sign the proxy\'s certificate. By default (ScrapeTls.ravenProxy()) '
    + 'that is key ca.crt of ConfigMap kube-root-ca.crt in the ScrapeConfig\'s namespace, the cluster CA; raven-agent requests '
    + 'the proxy\'s certificate with signer kubernetes.io/kubelet-serving, which a cluster may sign with another CA: pass '
    + 'ScrapeTls.ravenProxy({ ca }) with the CA of kubelet-serving certificates (CertificateAuthority.fromSecret(...) or '
    + '.fromConfigMap(...)).';
  const wrongName = 'the server name Prometheus checked is not one of the proxy\'s names: its certificate carries the gateway '
    + 'node\'s name and IP, 127.0.0.1, x-raven-proxy-internal-svc[.kube-system[.svc[.cluster.local]]] and its ClusterIP, '
    + `never an edge node's name${viaService ? '' : ', so a target addressed by node name needs a serverName'}. `
    + 'ScrapeTls.ravenProxy() checks x-raven-proxy-internal-svc.kube-system.svc whatever the target; with ScrapeTls.verify() '
    + 'set serverName to one of those names, or pass ScrapeTls.ravenProxy({ serverName }).';
  if (/unknown authority|verify failed/.test(err)) {
    return `the TLS check failed: ${wrongCa}`;
  }
  if (/valid for|doesn't contain any ip sans|cannot validate certificate for/.test(err)) {
    return `the TLS check failed: ${wrongName}`;
  }
  return `the TLS check failed, for one of two reasons. Either ${wrongCa} Or ${wrongName}`;
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-f:.]+$/i.test(host));
}
