import * as https from 'https';
import * as net from 'net';

/** One answer of the API server. */
export interface KubeResponse {
  readonly status: number;
  readonly body: any;
  /** The `Warning` headers (deprecations, unknown fields under `fieldValidation=Warn`, ...). */
  readonly warnings: string[];
}

/** Who a client is: the lab's admin (client certificate in `system:masters`) or a bearer token. */
export type KubeCredentials = { readonly cert: string; readonly key: string } | { readonly token: string };

/** What a SubjectAccessReview asks about a resource (the core group unless `group` is given). */
export interface ResourceAttributes {
  readonly verb: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly group?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Thrown for an answer that is not 2xx. */
export class KubeError extends Error {
  public constructor(public readonly response: KubeResponse, what: string) {
    super(`${what}: HTTP ${response.status} ${response.body?.message ?? JSON.stringify(response.body)}`);
  }
}

/** The REST path of an object's collection, from its apiVersion, kind and namespace. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}

/** Plural resource names of the kinds the lab handles (no discovery needed for these). */
const PLURALS: { [kind: string]: string } = {
  ConfigMap: 'configmaps',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  CustomResourceDefinition: 'customresourcedefinitions',
  Deployment: 'deployments',
  Gateway: 'gateways',
  Namespace: 'namespaces',
  Node: 'nodes',
  Pod: 'pods',
  PrometheusRule: 'prometheusrules',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ScrapeConfig: 'scrapeconfigs',
  Secret: 'secrets',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
};

export function pluralOf(kind: string): string {
  const plural = PLURALS[kind];
  if (!plural) {
    throw new Error(`the lab's client does not know the resource name of kind ${kind}; add it to PLURALS`);
  }
  return plural;
}

/** The path of one object. */
export function objectPath(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${collectionPath(obj.apiVersion, pluralOf(obj.kind), obj.metadata.namespace)}/${obj.metadata.name}`;
}

/**
 * A small Kubernetes API client over HTTPS (no kubectl): TLS verified against the cluster CA,
 * reaching the API server through the lab's socket into its network namespace.
 */
export class KubeClient {
  public constructor(
    private readonly socketPath: string,
    private readonly serverName: string,
    private readonly ca: string,
    private readonly credentials: KubeCredentials,
  ) {}

  /** Another client of the same API server with other credentials. */
  public as(credentials: KubeCredentials): KubeClient {
    return new KubeClient(this.socketPath, this.serverName, this.ca, credentials);
  }

  public request(method: string, path: string, body?: unknown, contentType: string = 'application/json'): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: { [name: string]: string } = { Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if ('token' in this.credentials) {
      headers.Authorization = `Bearer ${this.credentials.token}`;
    }
    return new Promise((resolve, reject) => {
      const req = https.request({
        socketPath: this.socketPath,
        // SNI carries host names only; for an IP the certificate's IP SANs are checked against `host`.
        servername: net.isIP(this.serverName) ? '' : this.serverName,
        host: this.serverName,
        method,
        path,
        headers,
        ca: this.ca,
        ...('cert' in this.credentials ? { cert: this.credentials.cert, key: this.credentials.key } : {}),
        timeout: 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON (e.g. /readyz answers text)
          }
          const warning = res.headers.warning;
          const warnings = warning === undefined ? [] : (Array.isArray(warning) ? warning : [warning]);
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (payload !== undefined) {
        req.write(payload);
      }
      req.end();
    });
  }

  /** A request that must succeed; returns the body. */
  public async must(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
    const response = await this.request(method, path, body, contentType);
    if (response.status < 200 || response.status >= 300) {
      throw new KubeError(response, `${method} ${path}`);
    }
    return response.body;
  }

  /**
   * Server-side apply of one object as `fieldManager`, with strict field validation: unknown or
   * duplicate fields are errors, not warnings.
   */
  public apply(obj: any, fieldManager: string, options: { force?: boolean; dryRun?: boolean } = {}): Promise<KubeResponse> {
    const query = new URLSearchParams({ fieldManager, fieldValidation: 'Strict' });
    if (options.force) {
      query.set('force', 'true');
    }
    if (options.dryRun) {
      query.set('dryRun', 'All');
    }
    return this.request('PATCH', `${objectPath(obj)}?${query}`, obj, 'application/apply-patch+yaml');
  }

  public create(obj: any): Promise<any> {
    return this.must('POST', collectionPath(obj.apiVersion, pluralOf(obj.kind), obj.metadata.namespace), obj);
  }

  public get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeResponse> {
    return this.request('GET', `${collectionPath(apiVersion, pluralOf(kind), namespace)}/${name}`);
  }

  /** Whether `user` (with `groups`) may do `verb` on the resource: a SubjectAccessReview by the real authorizer. */
  public async can(user: string, groups: string[], attributes: ResourceAttributes): Promise<boolean> {
    const review = await this.must('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups, resourceAttributes: { group: '', ...attributes } },
    });
    return review.status.allowed === true;
  }

  /** Whether `user` may GET a non-resource URL such as `/metrics`. */
  public async canGetPath(user: string, groups: string[], urlPath: string): Promise<boolean> {
    const review = await this.must('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups, nonResourceAttributes: { verb: 'get', path: urlPath } },
    });
    return review.status.allowed === true;
  }

  /** A token for a ServiceAccount through the TokenRequest API (no controller-manager runs here). */
  public async serviceAccountToken(namespace: string, name: string, expirationSeconds: number = 3600): Promise<string> {
    const answer = await this.must('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds },
    });
    return answer.status.token;
  }
}
