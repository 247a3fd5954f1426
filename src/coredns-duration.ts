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

/** A cdk8s Duration as whole seconds (the hosts plugin's ttl). */
export function toWholeSeconds(owner: string, prop: string, value: Duration): number {
  const ms = value.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms <= 0 || ms % 1000 !== 0 || ms / 1000 > 4294967295) {
    invalid(owner, prop, `${ms}ms`, 'a whole number of seconds between 1s and 4294967295s');
  }
  return ms / 1000;
}
