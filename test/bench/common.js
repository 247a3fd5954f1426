'use strict';
/**
 * Shared by the benchmark's child processes: where the compiled library is, and how a child
 * reports its figures (one JSON line on stdout).
 */
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
/** The compiled library, as a user loads it; BENCH_LIB points at another build (e.g. of an older commit). */
const LIB = path.resolve(process.env.BENCH_LIB || path.join(ROOT, 'lib'));

const ms = (from, to) => Number(to - from) / 1e6;

/** Peak resident set size of this process so far, in MB (VmHWM; maxRSS where /proc is missing). */
function peakRssMb() {
  try {
    const status = require('fs').readFileSync('/proc/self/status', 'utf8');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

function report(figures) {
  process.stdout.write(`${JSON.stringify({ ...figures, peakRssMb: peakRssMb() })}\n`);
}

module.exports = { ROOT, LIB, ms, report };
