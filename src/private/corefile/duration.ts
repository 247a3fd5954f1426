/**
 * Go `time.ParseDuration` semantics, as CoreDNS uses them for `reload` and similar options.
 */

const UNIT_NANOS: { [unit: string]: number } = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // µs (micro sign)
  μs: 1e3, // μs (Greek mu)
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Largest duration Go can represent (int64 nanoseconds, about 290 years). */
const MAX_NANOS = 9223372036854775807;

const COMPONENT = /^(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;

/**
 * Parses a Go duration string (`300ms`, `1m30s`, `0`) into nanoseconds.
 *
 * Returns `undefined` when `text` is not a valid Go duration.
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('+') || s.startsWith('-')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') {
    return 0;
  }
  if (s === '') {
    return undefined;
  }
  let total = 0;
  while (s.length > 0) {
    const m = COMPONENT.exec(s);
    if (!m) {
      return undefined;
    }
    const whole = m[1];
    const fraction = m[2];
    if (whole === '' && (fraction === undefined || fraction === '')) {
      return undefined; // ".s" has no digits
    }
    const value = Number(`${whole === '' ? '0' : whole}.${fraction ?? ''}0`);
    total += value * UNIT_NANOS[m[3]];
    s = s.slice(m[0].length);
  }
  if (total > MAX_NANOS) {
    return undefined;
  }
  return sign * total;
}

/** Formats nanoseconds the way Go's `Duration.String()` would, for messages. */
export function formatNanos(nanos: number): string {
  if (nanos === 0) {
    return '0s';
  }
  if (nanos < 1e3) {
    return `${nanos}ns`;
  }
  if (nanos < 1e6) {
    return `${trim(nanos / 1e3)}\u00b5s`;
  }
  if (nanos < 1e9) {
    return `${trim(nanos / 1e6)}ms`;
  }
  let seconds = nanos / 1e9;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  let out = '';
  if (hours > 0) {
    out += `${hours}h`;
  }
  if (hours > 0 || minutes > 0) {
    out += `${minutes}m`;
  }
  return `${out}${trim(seconds)}s`;
}

function trim(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}
