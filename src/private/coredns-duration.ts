import { Duration } from 'cdk8s';
import { invalid } from './validation';

/** A cdk8s Duration as CoreDNS (Go) writes it: whole seconds as `5s`, else milliseconds as `300ms`. */
export function toCoreDnsDuration(owner: string, prop: string, value: Duration, allowZero: boolean): string {
  const ms = value.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms < 0 || (!allowZero && ms === 0)) {
    invalid(owner, prop, `${ms}ms`, `a whole number of milliseconds${allowZero ? ' (0 disables)' : ' above 0'}`);
  }
  if (ms === 0) return '0';
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A cdk8s Duration as the hosts plugin's ttl: whole seconds, 1 to 65535 (coredns plugin/hosts/setup.go). */
export function toWholeSeconds(owner: string, prop: string, value: Duration): number {
  const ms = value.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms <= 0 || ms % 1000 !== 0 || ms / 1000 > 65535) {
    invalid(owner, prop, `${ms}ms`, 'a whole number of seconds between 1s and 65535s (the hosts plugin\'s ttl)',
      'CoreDNS refuses to start with any other value.');
  }
  return ms / 1000;
}

/**
 * The hosts plugin's `reload` for the tunnel-nodes file. Zero is refused: the ConfigMap volume is
 * optional, so CoreDNS may start before yurt-manager writes the file, and with `reload 0` it reads
 * the file only at start (coredns plugin/hosts/setup.go).
 */
export function tunnelNodesReload(owner: string, value: Duration = Duration.millis(300)): string {
  if (value.toMilliseconds({ integral: false }) === 0) {
    invalid(owner, 'reloadInterval', '0ms', 'a positive duration such as Duration.millis(300) (the default)',
      'With 0 CoreDNS reads the tunnel-nodes file once, at start: nodes that join later never resolve until CoreDNS restarts, '
      + 'and none does if CoreDNS started before yurt-manager created the edge-tunnel-nodes ConfigMap (its volume is optional).');
  }
  return toCoreDnsDuration(owner, 'reloadInterval', value, false);
}
