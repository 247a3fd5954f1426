import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../src/private/cli';
import { TargetProblem, TargetsReport } from '../src/verify';

/** Answers of /api/v1/targets recorded from the lab (see the fixtures' README). */
function recorded(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'prometheus-targets', `${name}.json`), 'utf8'));
}

/** A one-target answer in Prometheus' shape. */
function answer(...targets: any[]): any {
  return { status: 'success', data: { activeTargets: targets, droppedTargets: [] } };
}

function target(scrapeUrl: string, health: string, lastError: string = '', labels: { [k: string]: string } = { scrape_via: 'raven' }): any {
  return { scrapePool: 'scrapeConfig/monitor/x', scrapeUrl, health, lastError, labels };
}

function problemOf(scrapeUrl: string, lastError: string, health: string = 'down'): TargetProblem | undefined {
  return TargetsReport.fromTargetsResponse(answer(target(scrapeUrl, health, lastError))).targets[0].problem;
}

describe('TargetsReport on recorded answers', () => {
  test('GIVEN the seed\'s acceptance state THEN the four targets are up and the report is ok', () => {
    const report = TargetsReport.fromTargetsResponse(recorded('good'));
    expect(report.targets.map((t) => [t.scrapeUrl, t.health]).sort()).toEqual([
      ['http://edge-gpu-1:9100/metrics', 'up'],
      ['https://edge-gpu-1:10250/metrics', 'up'],
      ['https://edge-gpu-1:10250/metrics/cadvisor', 'up'],
      ['https://edge-gpu-1:10250/metrics/probes', 'up'],
    ]);
    expect(report.ok).toBe(true);
  });

  test('GIVEN node-exporter addressed by its InternalIP THEN the address was not rewritten', () => {
    const report = TargetsReport.fromTargetsResponse(recorded('by-internal-ip'));
    const down = report.targets.find((t) => t.health === 'down')!;
    expect(down.scrapeUrl).toBe('http://127.0.0.20:9100/metrics');
    expect(down.problem).toBe(TargetProblem.ADDRESS_NOT_REWRITTEN);
    expect(report.ok).toBe(false);
  });

  test('GIVEN a target not scraped yet THEN it is reported as such and the report is not ok', () => {
    const report = TargetsReport.fromTargetsResponse(recorded('by-internal-ip'));
    expect(report.targets.find((t) => t.health === 'unknown')!.problem).toBe(TargetProblem.NOT_SCRAPED_YET);
  });

  test('GIVEN node names that do not resolve THEN every target blames the tunnel-nodes DNS', () => {
    const report = TargetsReport.fromTargetsResponse(recorded('no-tunnel-dns'));
    expect(report.targets.map((t) => t.problem)).toEqual(Array(4).fill(TargetProblem.TUNNEL_DNS_NOT_WIRED));
  });

  test('GIVEN the kubelet answering 401 (recorded with a wrong token) THEN the kubelet targets are classed UNAUTHENTICATED and node-exporter is up', () => {
    const report = TargetsReport.fromTargetsResponse(recorded('wrong-token'));
    expect(report.targets.filter((t) => t.health === 'down').map((t) => t.problem)).toEqual(Array(3).fill(TargetProblem.UNAUTHENTICATED));
    expect(report.targets.find((t) => t.scrapeUrl.startsWith('http://'))!.health).toBe('up');
  });

  test('GIVEN the recorded acceptance state WHEN printed THEN one line per target shows health and scrape URL', () => {
    const text = TargetsReport.fromTargetsResponse(recorded('good')).toText();
    expect(text.split('\n')[0]).toBe('Raven scrape targets (label scrape_via="raven"): 4 found, 4 up, 0 not up');
    expect(text).toMatch(/^up +http:\/\/edge-gpu-1:9100\/metrics +scrapeConfig\/monitor\/node-exporter-raven$/m);
  });

  test('GIVEN a failure WHEN printed THEN the error and the cause follow the target line', () => {
    const text = TargetsReport.fromTargetsResponse(recorded('wrong-token')).toText();
    expect(text).toContain('        error: server returned HTTP status 401 Unauthorized\n        cause: the kubelet did not accept the Raven proxy\'s client certificate (401)');
  });
});

describe('diagnosis of a down target', () => {
  test('an IPv6 literal is an address that was not rewritten', () => {
    expect(problemOf('http://[fd00::20]:9100/metrics', 'context deadline exceeded')).toBe(TargetProblem.ADDRESS_NOT_REWRITTEN);
  });

  test('a node name refused through the proxy means the port is not proxied or the exporter is down', () => {
    expect(problemOf('http://edge-gpu-1:9100/metrics', 'Get "http://edge-gpu-1:9100/metrics": dial tcp 10.96.0.50:9100: connect: connection refused'))
      .toBe(TargetProblem.PORT_NOT_PROXIED);
  });

  test('a node name timing out through the proxy means the port is not proxied or the exporter is down', () => {
    expect(problemOf('http://edge-gpu-1:9100/metrics', 'Get "http://edge-gpu-1:9100/metrics": context deadline exceeded'))
      .toBe(TargetProblem.PORT_NOT_PROXIED);
  });

  test('the explanation of an unproxied HTTPS port names proxyHTTPSPort and the port', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://edge-gpu-1:10250/metrics', 'down', 'context deadline exceeded'))).targets;
    expect(t.explanation).toContain('spec.proxyConfig.proxyHTTPSPort must list 10250');
  });

  test('the explanation of an unproxied HTTP port names proxyHTTPPort', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('http://edge-gpu-1:9100/metrics', 'down', 'connection refused'))).targets;
    expect(t.explanation).toContain('spec.proxyConfig.proxyHTTPPort must list 9100');
  });

  test('a 502 from the proxy for a node name means the port is not proxied or the exporter is down', () => {
    expect(problemOf('http://edge-gpu-1:9100/metrics', 'server returned HTTP status 502 Bad Gateway')).toBe(TargetProblem.PORT_NOT_PROXIED);
  });

  test('the Raven Service address with a nodeName parameter failing means raven before v0.4.4 or a wrong node name', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target(
      'http://x-raven-proxy-internal-svc.kube-system.svc:9100/metrics?nodeName=edge-gpu-1', 'down', 'server returned HTTP status 400 Bad Request'))).targets;
    expect(t.problem).toBe(TargetProblem.NODE_NAME_PARAMETER_FAILED);
    expect(t.explanation).toContain('raven-agent before v0.4.4');
  });

  test('the Service\'s ClusterIP with a nodeName parameter is the DNS-free addressing, not a missing rewrite', () => {
    expect(problemOf('http://10.96.0.50:9100/metrics?nodeName=edge-gpu-1', 'connection refused')).toBe(TargetProblem.NODE_NAME_PARAMETER_FAILED);
  });

  test('a Raven Service name that does not resolve means the L7 proxy is not enabled', () => {
    expect(problemOf('http://x-raven-proxy-internal-svc.kube-system.svc:9100/metrics?nodeName=edge-gpu-1',
      'dial tcp: lookup x-raven-proxy-internal-svc.kube-system.svc on 10.96.0.10:53: no such host')).toBe(TargetProblem.PROXY_SERVICE_MISSING);
  });

  test('the seed\'s own "no such host" wording blames the tunnel-nodes DNS', () => {
    expect(problemOf('http://4090gpu-edge-test:9100/metrics', 'lookup 4090gpu-edge-test: no such host')).toBe(TargetProblem.TUNNEL_DNS_NOT_WIRED);
  });

  test('GIVEN a 403 THEN the user the kubelet saw through Raven, tunnel-proxy-client, lacks its ClusterRole raven-proxy-user or the binding', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://edge-gpu-1:10250/metrics/cadvisor', 'down', 'server returned HTTP status 403 Forbidden'))).targets;
    expect(t.problem).toBe(TargetProblem.RBAC_DENIED);
    expect(t.explanation).toContain('user tunnel-proxy-client (group openyurt:yurttunnel), never Prometheus\' token');
    expect(t.explanation).toContain('the ClusterRole raven-proxy-user (get on nodes/metrics, nodes/stats, nodes/proxy) or its ClusterRoleBinding to tunnel-proxy-client is missing');
    expect(t.explanation).toContain('The raven-agent chart creates both');
    expect(t.explanation).toContain('kubectl auth can-i get nodes/metrics --as tunnel-proxy-client --as-group openyurt:yurttunnel');
  });

  test('GIVEN a 403 THEN granting nodes/metrics to Prometheus\' ServiceAccount is not the fix, except with sendServiceAccountTokenToNodes', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://edge-gpu-1:10250/metrics', 'down', 'server returned HTTP status 403 Forbidden'))).targets;
    expect(t.explanation).toContain('Granting nodes/metrics to Prometheus\' ServiceAccount does not help here; it counts only with sendServiceAccountTokenToNodes');
  });

  test('GIVEN a 401 THEN the kubelet did not accept Raven\'s client certificate, e.g. its client CA did not sign it', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://edge-gpu-1:10250/metrics', 'down', 'server returned HTTP status 401 Unauthorized'))).targets;
    expect(t.problem).toBe(TargetProblem.UNAUTHENTICATED);
    expect(t.explanation).toMatch(/^the kubelet did not accept the Raven proxy's client certificate \(401\)/);
    expect(t.explanation).toContain('user tunnel-proxy-client');
    expect(t.explanation).toContain('its --client-ca-file (authentication.x509.clientCAFile) is not the CA that signed that certificate');
    expect(t.explanation).toContain('The library sends no token by default, and a token would not help');
  });

  test('GIVEN a 401 THEN a token is blamed only with sendServiceAccountTokenToNodes, and a missing Secret is not, as it removes the targets instead', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://edge-gpu-1:10250/metrics', 'down', 'server returned HTTP status 401 Unauthorized'))).targets;
    expect(t.explanation).toContain('Only with sendServiceAccountTokenToNodes, where the kubelet is reached without Raven\'s certificate, is the token checked');
    expect(t.explanation).not.toMatch(/token Secret is missing|not filled yet|in another namespace than the ScrapeConfig/);
    expect(t.explanation).toContain('A missing or unfilled token Secret gives no 401: prometheus-operator rejects the ScrapeConfig and its targets disappear');
  });

  test('GIVEN an unknown authority THEN the CA in kube-root-ca.crt did not sign the proxy certificate: pass ravenProxy({ ca }) with the kubelet-serving CA', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://x-raven-proxy-internal-svc.kube-system.svc:10250/metrics?nodeName=edge-gpu-1', 'down',
      'Get "https://x-raven-proxy-internal-svc.kube-system.svc:10250/metrics?nodeName=edge-gpu-1": tls: failed to verify certificate: x509: certificate signed by unknown authority'))).targets;
    expect(t.problem).toBe(TargetProblem.TLS_FAILED);
    expect(t.explanation).toMatch(/^the TLS check failed: the CA Prometheus verifies with did not sign the proxy's certificate\./);
    expect(t.explanation).toContain('key ca.crt of ConfigMap kube-root-ca.crt');
    expect(t.explanation).toContain('pass ScrapeTls.ravenProxy({ ca }) with the CA of kubelet-serving certificates');
    expect(t.explanation).not.toContain('server name');
    expect(t.explanation).not.toContain('insecureSkipVerify');
  });

  test('GIVEN a name the certificate does not carry THEN the server name is not one of the proxy\'s names, which never include an edge node\'s', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://edge-gpu-1:10250/metrics', 'down',
      'Get "https://edge-gpu-1:10250/metrics": tls: failed to verify certificate: x509: certificate is valid for gw-cloud-1, x-raven-proxy-internal-svc, not edge-gpu-1'))).targets;
    expect(t.problem).toBe(TargetProblem.TLS_FAILED);
    expect(t.explanation).toMatch(/^the TLS check failed: the server name Prometheus checked is not one of the proxy's names/);
    expect(t.explanation).toContain('x-raven-proxy-internal-svc[.kube-system[.svc[.cluster.local]]]');
    expect(t.explanation).toContain('never an edge node\'s name, so a target addressed by node name needs a serverName');
    expect(t.explanation).toContain('pass ScrapeTls.ravenProxy({ serverName })');
    expect(t.explanation).not.toContain('kube-root-ca.crt');
  });

  test('GIVEN another TLS failure THEN both causes are named: the CA and the server name', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('https://edge-gpu-1:10250/metrics', 'down',
      'Get "https://edge-gpu-1:10250/metrics": remote error: tls: handshake failure'))).targets;
    expect(t.problem).toBe(TargetProblem.TLS_FAILED);
    expect(t.explanation).toContain('for one of two reasons. Either the CA Prometheus verifies with did not sign the proxy\'s certificate');
    expect(t.explanation).toContain('Or the server name Prometheus checked is not one of the proxy\'s names');
    expect(t.explanation).toContain('pass ScrapeTls.ravenProxy({ ca }) with the CA of kubelet-serving certificates');
  });

  test('anything else is reported as unrecognized with its HTTP status', () => {
    const [t] = TargetsReport.fromTargetsResponse(answer(target('http://edge-gpu-1:9100/metricz', 'down', 'server returned HTTP status 404 Not Found'))).targets;
    expect(t.problem).toBe(TargetProblem.OTHER);
    expect(t.explanation).toBe('unrecognized failure (HTTP 404); see the error above.');
  });

  test('an up target carries no problem', () => {
    expect(problemOf('http://edge-gpu-1:9100/metrics', '', 'up')).toBeUndefined();
  });
});

describe('selection of targets', () => {
  const mixed = answer(
    target('http://edge-gpu-1:9100/metrics', 'up'),
    { ...target('http://10.0.0.5:9100/metrics', 'down', 'context deadline exceeded', { job: 'node-exporter' }), scrapePool: 'serviceMonitor/monitor/node-exporter/0' },
    { ...target('https://edge-gpu-1:10250/metrics', 'up', '', { job: 'kubelet' }), scrapePool: 'scrapeConfig/monitor/kubelet-raven-metrics' },
  );

  test('by default only targets labelled scrape_via="raven" are selected', () => {
    expect(TargetsReport.fromTargetsResponse(mixed).targets.map((t) => t.scrapeUrl)).toEqual(['http://edge-gpu-1:9100/metrics']);
  });

  test('a job pattern matches the scrape pool', () => {
    expect(TargetsReport.fromTargetsResponse(mixed, { jobPattern: 'kubelet-raven' }).targets.map((t) => t.scrapeUrl))
      .toEqual(['https://edge-gpu-1:10250/metrics']);
  });

  test('a job pattern matches the job label', () => {
    expect(TargetsReport.fromTargetsResponse(mixed, { jobPattern: '^node-exporter$' }).targets.map((t) => t.scrapePool))
      .toEqual(['serviceMonitor/monitor/node-exporter/0']);
  });

  test('GIVEN library targets without any kubelet THEN the report says the operator may have rejected the kubelet ScrapeConfigs', () => {
    const report = TargetsReport.fromTargetsResponse(answer({ ...target('http://edge-gpu-1:9100/metrics', 'up'), labels: { scrape_via: 'raven', job: 'node-exporter' } }));
    expect(report.toText()).toContain('No kubelet target among them. If the stack scrapes the kubelet, prometheus-operator rejected its ScrapeConfigs');
    expect(report.toText()).toContain('By default that is the CA ConfigMap kube-root-ca.crt (key ca.crt)');
    expect(report.toText()).toContain('kubectl -n <namespace> get configmap kube-root-ca.crt');
    expect(report.toText()).toContain('With sendServiceAccountTokenToNodes it is most likely the token Secret');
    expect(report.toText()).toContain('kubectl -n <namespace> get secret prometheus-sa-token');
  });

  test('GIVEN no target selected THEN the report names the CA ConfigMap, and the token Secret with sendServiceAccountTokenToNodes, among the reasons the operator rejects ScrapeConfigs', () => {
    const text = TargetsReport.fromTargetsResponse(answer()).toText();
    expect(text).toContain('a ConfigMap or Secret they reference that does not exist: kube-root-ca.crt');
    expect(text).toContain('with sendServiceAccountTokenToNodes, a token Secret that is missing or not yet filled');
  });

  test('no selected target is not ok, and the report says where to look', () => {
    const report = TargetsReport.fromTargetsResponse(answer());
    expect(report.ok).toBe(false);
    expect(report.toText()).toContain('No target selected. Check that the ScrapeConfigs are picked up by the Prometheus resource');
  });

  test('an answer that is not a targets answer throws', () => {
    expect(() => TargetsReport.fromTargetsResponse({ status: 'error', error: 'boom' })).toThrow(/not a Prometheus \/api\/v1\/targets answer/);
  });

  test('a job pattern that is not a regular expression throws', () => {
    expect(() => TargetsReport.fromTargetsResponse(answer(), { jobPattern: '(' })).toThrow(/is not a regular expression/);
  });
});

describe('the verify command', () => {
  function io(response: { status?: number; body?: string; error?: Error }) {
    const out: string[] = [];
    const err: string[] = [];
    const urls: string[] = [];
    return {
      out,
      err,
      urls,
      io: {
        fetch: async (url: string) => {
          urls.push(url);
          if (response.error) {
            throw response.error;
          }
          const status = response.status ?? 200;
          return { ok: status < 300, status, statusText: status === 200 ? 'OK' : 'Error', text: async () => response.body ?? '' };
        },
        out: (t: string) => out.push(t),
        err: (t: string) => err.push(t),
      },
    };
  }

  test('all targets up exits 0 and asks /api/v1/targets of the given Prometheus', async () => {
    const ctx = io({ body: fs.readFileSync(path.join(__dirname, 'fixtures', 'prometheus-targets', 'good.json'), 'utf8') });
    expect(await runCli(['verify', '--prometheus', 'http://localhost:9090/'], ctx.io)).toBe(0);
    expect(ctx.urls).toEqual(['http://localhost:9090/api/v1/targets?state=active']);
    expect(ctx.out.join('')).toContain('4 found, 4 up');
  });

  test('a target down exits 1', async () => {
    const ctx = io({ body: JSON.stringify(recorded('wrong-token')) });
    expect(await runCli(['verify', '--prometheus=http://localhost:9090'], ctx.io)).toBe(1);
  });

  test('--job selects by pattern', async () => {
    const ctx = io({ body: JSON.stringify(recorded('good')) });
    expect(await runCli(['verify', '--prometheus', 'http://p:9090', '--job', 'kubelet-raven-probes'], ctx.io)).toBe(0);
    expect(ctx.out.join('')).toContain('1 found, 1 up');
  });

  test('no target selected exits 1', async () => {
    const ctx = io({ body: JSON.stringify(answer()) });
    expect(await runCli(['verify', '--prometheus', 'http://p:9090'], ctx.io)).toBe(1);
  });

  test('an unreachable Prometheus exits 2 with the cause', async () => {
    const ctx = io({ error: Object.assign(new Error('fetch failed'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:9090') }) });
    expect(await runCli(['verify', '--prometheus', 'http://127.0.0.1:9090'], ctx.io)).toBe(2);
    expect(ctx.err.join('')).toContain('cannot reach Prometheus at http://127.0.0.1:9090/api/v1/targets?state=active: fetch failed (connect ECONNREFUSED');
  });

  test('an HTTP error from Prometheus exits 2', async () => {
    const ctx = io({ status: 503, body: 'Service Unavailable' });
    expect(await runCli(['verify', '--prometheus', 'http://p:9090'], ctx.io)).toBe(2);
    expect(ctx.err.join('')).toContain('answered HTTP 503');
  });

  test('an answer that is not JSON exits 2', async () => {
    const ctx = io({ body: '<html>' });
    expect(await runCli(['verify', '--prometheus', 'http://p:9090'], ctx.io)).toBe(2);
  });

  test('a missing --prometheus exits 2 with the usage', async () => {
    const ctx = io({});
    expect(await runCli(['verify'], ctx.io)).toBe(2);
    expect(ctx.err.join('')).toContain('--prometheus <url> is required');
    expect(ctx.err.join('')).toContain('Usage: cdk8s-raven-prometheus verify');
  });

  test('an unknown command exits 2', async () => {
    expect(await runCli(['check'], io({}).io)).toBe(2);
  });

  test('an unknown option exits 2', async () => {
    expect(await runCli(['verify', '--prometheus', 'http://p', '--verbose'], io({}).io)).toBe(2);
  });

  test('a --prometheus that is not an http URL exits 2', async () => {
    expect(await runCli(['verify', '--prometheus', 'localhost:9090'], io({}).io)).toBe(2);
  });

  test('a --job that is not a regular expression exits 2', async () => {
    expect(await runCli(['verify', '--prometheus', 'http://p', '--job', '('], io({}).io)).toBe(2);
  });

  test('--help prints the usage and exits 0', async () => {
    const ctx = io({});
    expect(await runCli(['verify', '--help'], ctx.io)).toBe(0);
    expect(ctx.out.join('')).toContain('Exit status: 0 all selected targets up');
  });
});
