import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** A key pair and certificate on disk, and the PEM texts. */
export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface CertificateRequest {
  /** File stem under the PKI folder. */
  readonly name: string;
  readonly commonName: string;
  readonly organizations?: string[];
  readonly dnsNames?: string[];
  readonly ipAddresses?: string[];
  /** `serverAuth`, `clientAuth` or both. */
  readonly usages: ('serverAuth' | 'clientAuth')[];
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed: ${result.error?.message ?? ''}${result.stderr}`);
  }
}

/**
 * A throwaway certificate authority for one lab run (openssl, EC P-256, one day): the cluster CA
 * that kube-apiserver trusts for client certificates and that signs every serving certificate.
 */
export class CertificateAuthority {
  public readonly certFile: string;
  public readonly keyFile: string;

  public constructor(public readonly dir: string, commonName: string = 'raven-lab-ca') {
    fs.mkdirSync(dir, { recursive: true });
    this.certFile = path.join(dir, 'ca.crt');
    this.keyFile = path.join(dir, 'ca.key');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', this.keyFile, '-out', this.certFile, '-days', '1', '-subj', `/CN=${commonName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], dir);
  }

  public get cert(): string {
    return fs.readFileSync(this.certFile, 'utf8');
  }

  /** Issues a leaf certificate signed by this CA. */
  public issue(request: CertificateRequest): IssuedCertificate {
    const certFile = path.join(this.dir, `${request.name}.crt`);
    const keyFile = path.join(this.dir, `${request.name}.key`);
    const subject = [...(request.organizations ?? []).map((o) => `/O=${o}`), `/CN=${request.commonName}`].join('');
    const san = [...(request.dnsNames ?? []).map((d) => `DNS:${d}`), ...(request.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', subject,
      '-CA', this.certFile, '-CAkey', this.keyFile,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
      '-addext', `extendedKeyUsage=${request.usages.join(',')}`];
    if (san.length > 0) {
      args.push('-addext', `subjectAltName=${san.join(',')}`);
    }
    openssl(args, this.dir);
    return { certFile, keyFile, cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
  }
}

/** An RSA key pair for signing ServiceAccount tokens (kube-apiserver's --service-account-*-file). */
export function serviceAccountKeyPair(dir: string): { keyFile: string; publicKeyFile: string } {
  const keyFile = path.join(dir, 'sa.key');
  const publicKeyFile = path.join(dir, 'sa.pub');
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile], dir);
  openssl(['pkey', '-in', keyFile, '-pubout', '-out', publicKeyFile], dir);
  return { keyFile, publicKeyFile };
}
