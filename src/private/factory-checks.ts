import { checkKnownProps } from './known-props';
import { invalid } from './validation';

/**
 * Checks of the static factories' arguments (`NodeSelection.withLabels()`, `ScrapeTls.verify()`)
 * beyond the shape of each value: what the types allow but the scrape cannot use.
 */

/**
 * Node labels a scrape selects on must have a value. Prometheus' relabeling reads a label a node
 * does not have as `""`, so `keep` on `""` keeps the nodes *without* the label, while the
 * Kubernetes selector `key=` of node discovery selects the nodes that carry it empty, and the
 * stock monitors' `drop` on `""` would drop every node without it: three different sets of nodes.
 */
export function checkNonEmptyLabelValues(owner: string, prop: string, labels: { [key: string]: string }): void {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    invalid(owner, prop, labels, 'a map of node labels to values, such as { \'apps.openyurt.io/nodepool\': \'gpu-pool\' }');
  }
  for (const [key, value] of Object.entries(labels)) {
    if (value === '') {
      invalid(owner, `${prop}.${key}`, value, 'a non-empty label value',
        'Prometheus reads a label a node does not have as \'\', so an empty value would select the nodes without the label in one scrape '
        + `and those labelled '${key}=' in another. Label the nodes with a value (kubectl label node <node> ${key}=<value>) and select on it.`);
    }
  }
}

/** `ScrapeTls.verify()` needs a CA: from plain JavaScript `{}` or `{ ca: 'ca.crt' }` can arrive. */
export function checkVerifiedTlsOptions(options: any): void {
  const owner = 'ScrapeTls.verify';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    invalid(owner, 'options', options, 'an object such as { ca: CertificateAuthority.fromConfigMap(\'kube-root-ca.crt\', \'ca.crt\') }',
      'Use ScrapeTls.insecureSkipVerify() to skip verification.');
  }
  checkKnownProps(owner, 'options', options, 'VerifiedTlsOptions');
  const ca = options.ca;
  const isCa = ca !== null && typeof ca === 'object' && ca.constructor?.name === 'CertificateAuthority' && typeof ca.name === 'string' && typeof ca.key === 'string';
  if (!isCa) {
    invalid(owner, 'ca', ca, 'a CertificateAuthority (CertificateAuthority.fromSecret(...) or CertificateAuthority.fromConfigMap(...))',
      'The CA that signed the certificate the target presents; e.g. CertificateAuthority.fromConfigMap(\'kube-root-ca.crt\', \'ca.crt\').');
  }
  if (options.serverName !== undefined && typeof options.serverName !== 'string') {
    invalid(owner, 'serverName', options.serverName, 'a DNS name (a string)');
  }
}
