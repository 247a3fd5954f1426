/**
 * Small helpers about names and quoting shared by the parser and the editor.
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

/** Whether `name` is a lowercase DNS-1123 subdomain (what kubeadm accepts as the cluster domain). */
export function isDns1123Subdomain(name: string): boolean {
  return name.length > 0 && name.length <= 253 && DNS1123_SUBDOMAIN.test(name) && name.split('.').every((label) => label.length <= 63);
}

const ZONE_LABEL = '[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?';
const ZONE_NAME = new RegExp(`^${ZONE_LABEL}(\\.${ZONE_LABEL})*\\.?$`);
const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const IPV6_CIDR = /^[0-9A-Fa-f:]+\/\d{1,3}$/;

/** Whether `zone` is a zone CoreDNS accepts after `fallthrough`: `.`, a domain name or a reverse CIDR. */
export function isZoneName(zone: string): boolean {
  if (zone === '.') {
    return true;
  }
  if (IPV4_CIDR.test(zone) || (IPV6_CIDR.test(zone) && zone.indexOf(':') >= 0)) {
    return true;
  }
  return zone.length <= 254 && ZONE_NAME.test(zone);
}

/** Normalises a zone for comparison: lowercase, fully qualified. */
export function normalizeZone(zone: string): string {
  const lower = zone.toLowerCase();
  return lower.endsWith('.') || lower.indexOf('/') >= 0 ? lower : `${lower}.`;
}

/** Quotes a value for an error message, shortening long values. */
export function quote(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return `'${shown.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

/** Whether `value` can be written as a single plain Corefile token that CoreDNS reads back unchanged. */
export function isPlainToken(value: string): boolean {
  if (value.length === 0 || value === '{' || value === '}') {
    return false;
  }
  if (/[\s"#]/.test(value) || /[\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(value)) {
    return false;
  }
  // `{$VAR}` and `{%VAR%}` would be replaced by environment variables.
  return value.indexOf('{$') < 0 && value.indexOf('{%') < 0;
}
