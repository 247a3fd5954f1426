import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'yaml';
import { kubeconfigPath, KubeconfigError, loadKubeconfig } from '../../src/private/kube-api';

/** kubeconfig files as kubectl, kubeadm and the cloud CLIs write them (client-go's clientcmd v1 format). */
describe('loadKubeconfig', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-kubeconfig-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(kubeconfig: any, name: string = 'config'): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, yaml.stringify(kubeconfig));
    return file;
  }

  function config(cluster: any, user: any, extra: any = {}): any {
    return {
      'apiVersion': 'v1',
      'kind': 'Config',
      'current-context': 'admin@lab',
      'clusters': [{ name: 'lab', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
      'users': [{ name: 'admin', user }],
      'contexts': [{ name: 'admin@lab', context: { cluster: 'lab', user: 'admin' } }, { name: 'other', context: { cluster: 'lab', user: 'nobody' } }],
      ...extra,
    };
  }

  const b64 = (s: string) => Buffer.from(s).toString('base64');

  test('GIVEN kubeadm\'s admin.conf (inline CA, client certificate and key) THEN they are decoded', () => {
    const access = loadKubeconfig(write(config({ 'certificate-authority-data': b64('CA PEM') },
      { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') })));
    expect(access).toEqual({
      server: 'https://10.0.0.1:6443',
      context: 'admin@lab',
      ca: 'CA PEM',
      insecureSkipTlsVerify: false,
      tlsServerName: undefined,
      clientCertificate: 'CERT PEM',
      clientKey: 'KEY PEM',
      token: undefined,
    });
  });

  test('GIVEN files relative to the kubeconfig\'s folder and a tokenFile THEN they are read from there', () => {
    fs.mkdirSync(path.join(dir, 'pki'));
    fs.writeFileSync(path.join(dir, 'pki', 'ca.crt'), 'CA FILE');
    fs.writeFileSync(path.join(dir, 'token'), 'file-token\n');
    const access = loadKubeconfig(write(config({ 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kubernetes' }, { tokenFile: 'token' })));
    expect([access.ca, access.token, access.tlsServerName]).toEqual(['CA FILE', 'file-token', 'kubernetes']);
  });

  test('GIVEN an exec credential plugin (EKS, GKE, AKS) THEN it runs, with KUBERNETES_EXEC_INFO, and its token is used', () => {
    const plugin = path.join(dir, 'plugin.js');
    fs.writeFileSync(plugin, 'const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);'
      + 'console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: "ExecCredential", status: { token: process.env.GREETING + ":" + info.spec.cluster.server } }));');
    const access = loadKubeconfig(write(config({}, {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], env: [{ name: 'GREETING', value: 'hello' }], provideClusterInfo: true },
    })));
    expect(access.token).toBe('hello:https://10.0.0.1:6443');
  });

  test('GIVEN an exec plugin that fails THEN the error names it', () => {
    const file = write(config({}, { exec: { command: process.execPath, args: ['-e', 'console.error("not logged in"); process.exit(3)'] } }));
    expect(() => loadKubeconfig(file)).toThrow(new KubeconfigError(`the exec credential plugin '${process.execPath}' failed: exit 3 not logged in`));
  });

  test('GIVEN --context THEN that context is used; GIVEN an unknown user THEN the error lists those there are', () => {
    expect(() => loadKubeconfig(write(config({}, { token: 't' })), 'other')).toThrow(/no user named 'nobody' \(it has: 'admin'\)/);
    expect(() => loadKubeconfig(write(config({}, { token: 't' })), 'absent')).toThrow(/no context named 'absent' \(it has: 'admin@lab', 'other'\)/);
  });

  test.each([
    ['a legacy auth-provider', { 'auth-provider': { name: 'gcp' } }, /uses the legacy auth-provider 'gcp', which this command does not run; use the provider's exec plugin/],
    ['basic authentication', { username: 'admin', password: 'x' }, /uses basic authentication, which Kubernetes removed/],
    ['a certificate without its key', { 'client-certificate-data': b64('CERT') }, /has a client certificate without its key/],
  ])('GIVEN %s THEN it is refused with what to use instead', (_what, user, message) => {
    expect(() => loadKubeconfig(write(config({}, user)))).toThrow(message);
  });

  test('GIVEN no current-context THEN it asks for --context', () => {
    const c = config({}, { token: 't' });
    delete c['current-context'];
    expect(() => loadKubeconfig(write(c))).toThrow(/has no current-context; pass --context <name>/);
  });

  test('GIVEN a file that is no kubeconfig THEN it says so', () => {
    expect(() => loadKubeconfig(write({ apiVersion: 'v1', kind: 'ConfigMap' }))).toThrow(/is not a kubeconfig \(kind: Config\)/);
  });
});

describe('kubeconfigPath', () => {
  test('GIVEN --kubeconfig, KUBECONFIG or neither THEN the option, the first existing listed file, or ~/.kube/config', () => {
    expect(kubeconfigPath('/etc/kubernetes/admin.conf', { KUBECONFIG: '/x' })).toBe('/etc/kubernetes/admin.conf');
    expect(kubeconfigPath(undefined, { KUBECONFIG: ['/nonexistent/a', __filename].join(path.delimiter) })).toBe(__filename);
    expect(kubeconfigPath(undefined, {})).toBe(path.join(os.homedir(), '.kube', 'config'));
    expect(() => kubeconfigPath(undefined, { KUBECONFIG: '/nonexistent/a' })).toThrow(/none of the files in KUBECONFIG exists: \/nonexistent\/a/);
  });
});
