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
