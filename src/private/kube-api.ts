import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { Yaml } from 'cdk8s';

/**
 * Read access to a Kubernetes API server from a kubeconfig, for `cdk8s-raven-prometheus drift`:
 * the cluster's server, CA (`certificate-authority[-data]`, `insecure-skip-tls-verify`,
 * `tls-server-name`) and the user's client certificate, token (`token`, `tokenFile`) or exec
 * credential plugin (`exec`, as EKS, GKE and AKS kubeconfigs use), which client-go's rules
 * define (k8s.io/client-go tools/clientcmd and pkg/apis/clientauthentication). No kubectl needed.
 */

/** How to reach and authenticate to one API server. */
export interface KubeAccess {
  /** The API server's URL. */
  readonly server: string;
  /** The context the access comes from. */
  readonly context: string;
  /** The PEM CA bundle to verify the server with; undefined: the system's. */
  readonly ca?: string;
  /** Skip verifying the server's certificate (the kubeconfig's `insecure-skip-tls-verify`). */
  readonly insecureSkipTlsVerify?: boolean;
  /** The name to verify the server's certificate against (`tls-server-name`). */
  readonly tlsServerName?: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly token?: string;
}

/** A kubeconfig the command cannot use, with what to do. */
export class KubeconfigError extends Error {}

/** The kubeconfig file to read: the option, else the first existing file of `$KUBECONFIG`, else `~/.kube/config`. */
export function kubeconfigPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined) return option;
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  if (listed.length > 0) {
    const found = listed.find((p) => fs.existsSync(p));
    if (found === undefined) throw new KubeconfigError(`none of the files in KUBECONFIG exists: ${listed.join(', ')}`);
    return found;
  }
  return path.join(os.homedir(), '.kube', 'config');
}

function named(list: any, kind: string, name: string, file: string): any {
  const entry = (Array.isArray(list) ? list : []).find((e: any) => e?.name === name);
  if (entry === undefined) throw new KubeconfigError(`${file}: no ${kind} named '${name}' (it has: ${(Array.isArray(list) ? list : []).map((e: any) => `'${e?.name}'`).join(', ') || 'none'})`);
  return entry[kind] ?? {};
}

/** A value given inline (`*-data`, base64) or as a file path relative to the kubeconfig's folder. */
function fileOrData(entry: any, field: string, dir: string, file: string): string | undefined {
  const data = entry[`${field}-data`];
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64').toString('utf8');
  const ref = entry[field];
  if (typeof ref !== 'string' || ref === '') return undefined;
  const resolved = path.resolve(dir, ref);
  try {
    return fs.readFileSync(resolved, 'utf8');
  } catch (e) {
    throw new KubeconfigError(`${file}: cannot read ${field} '${ref}' (${resolved}): ${(e as Error).message}`);
  }
}

/** Runs an exec credential plugin and reads its ExecCredential (client.authentication.k8s.io). */
function execCredential(exec: any, server: string, file: string): { token?: string; clientCertificate?: string; clientKey?: string } {
  if (typeof exec.command !== 'string' || exec.command === '') throw new KubeconfigError(`${file}: the user's exec plugin has no command`);
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const e of Array.isArray(exec.env) ? exec.env : []) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: { server } } : {}) },
  });
  const result = spawnSync(exec.command, Array.isArray(exec.args) ? exec.args.map(String) : [], { env, encoding: 'utf8', timeout: 60_000 });
  if (result.error || result.status !== 0) {
    throw new KubeconfigError(`the exec credential plugin '${exec.command}' failed: ${result.error?.message ?? `exit ${result.status}`} ${(result.stderr ?? '').trim()}`.trim());
  }
  let credential: any;
  try {
    credential = JSON.parse(result.stdout);
  } catch {
    throw new KubeconfigError(`the exec credential plugin '${exec.command}' did not print an ExecCredential (JSON): ${result.stdout.slice(0, 200)}`);
  }
  const status = credential?.status ?? {};
  if (!status.token && !(status.clientCertificateData && status.clientKeyData)) {
    throw new KubeconfigError(`the exec credential plugin '${exec.command}' gave neither a token nor a client certificate and key`);
  }
  return { token: status.token, clientCertificate: status.clientCertificateData, clientKey: status.clientKeyData };
}

/** Reads the access of one context (the current one unless named) from a kubeconfig file. */
export function loadKubeconfig(file: string, contextName?: string): KubeAccess {
  if (!fs.existsSync(file)) throw new KubeconfigError(`cannot read the kubeconfig '${file}' (${path.resolve(file)}): no such file; pass --kubeconfig <path>`);
  let config: any;
  try {
    config = Yaml.load(file)[0];
  } catch (e) {
    throw new KubeconfigError(`cannot read the kubeconfig '${file}' as YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (config === null || typeof config !== 'object' || config.kind !== 'Config') {
    throw new KubeconfigError(`'${file}' is not a kubeconfig (kind: Config)`);
  }
  const dir = path.dirname(path.resolve(file));
  const context = contextName ?? config['current-context'];
  if (typeof context !== 'string' || context === '') {
    throw new KubeconfigError(`${file} has no current-context; pass --context <name>`);
  }
  const ctx = named(config.contexts, 'context', context, file);
  const cluster = named(config.clusters, 'cluster', ctx.cluster, file);
  const user = ctx.user === undefined || ctx.user === '' ? {} : named(config.users, 'user', ctx.user, file);
  const server = cluster.server;
  if (typeof server !== 'string' || !/^https?:\/\//.test(server)) {
    throw new KubeconfigError(`${file}: cluster '${ctx.cluster}' has no https:// server (got ${JSON.stringify(server)})`);
  }
  if (user['auth-provider'] !== undefined) {
    throw new KubeconfigError(`${file}: user '${ctx.user}' uses the legacy auth-provider '${user['auth-provider']?.name}', which this command does not run; `
      + 'use the provider\'s exec plugin (e.g. gke-gcloud-auth-plugin, kubelogin), a token or a client certificate');
  }
  if (user.username !== undefined || user.password !== undefined) {
    throw new KubeconfigError(`${file}: user '${ctx.user}' uses basic authentication, which Kubernetes removed; use a token or a client certificate`);
  }
  let token: string | undefined = typeof user.token === 'string' && user.token !== '' ? user.token : undefined;
  if (token === undefined && typeof user.tokenFile === 'string') {
    const tokenFile = path.resolve(dir, user.tokenFile);
    try {
      token = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      throw new KubeconfigError(`${file}: cannot read tokenFile '${user.tokenFile}' (${tokenFile}): ${(e as Error).message}`);
    }
  }
  let clientCertificate = fileOrData(user, 'client-certificate', dir, file);
  let clientKey = fileOrData(user, 'client-key', dir, file);
  if (token === undefined && clientCertificate === undefined && user.exec !== undefined) {
    ({ token, clientCertificate, clientKey } = execCredential(user.exec, server, file));
  }
  if ((clientCertificate === undefined) !== (clientKey === undefined)) {
    throw new KubeconfigError(`${file}: user '${ctx.user}' has a client certificate without its key, or a key without its certificate`);
  }
  return {
    server: server.replace(/\/+$/, ''),
    context,
    ca: fileOrData(cluster, 'certificate-authority', dir, file),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    clientCertificate,
    clientKey,
    token,
  };
}

/** One answer of the API server. */
export interface KubeAnswer {
  readonly status: number;
  readonly body: any;
}

/** GETs a path of the API server (`/api/v1/namespaces/kube-system/configmaps/coredns`). */
export function kubeGet(access: KubeAccess, apiPath: string, timeoutMs: number = 15_000): Promise<KubeAnswer> {
  const url = new URL(access.server + apiPath);
  const secure = url.protocol === 'https:';
  const headers: { [name: string]: string } = { 'Accept': 'application/json', 'User-Agent': 'cdk8s-raven-prometheus-drift' };
  if (access.token !== undefined) headers.Authorization = `Bearer ${access.token}`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const serverName = access.tlsServerName ?? (net.isIP(host) ? undefined : host);
  const options: https.RequestOptions = {
    method: 'GET',
    headers,
    timeout: timeoutMs,
    ...(secure ? {
      ca: access.ca,
      cert: access.clientCertificate,
      key: access.clientKey,
      rejectUnauthorized: !access.insecureSkipTlsVerify,
      servername: serverName,
      // With tls-server-name, the certificate is checked against that name, not the URL's host.
      ...(access.tlsServerName
        ? { checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(access.tlsServerName!, cert) }
        : {}),
    } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = text;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
