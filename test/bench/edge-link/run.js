#!/usr/bin/env node
/*
 * `npm run bench:edge`: what monitoring costs an edge node's uplink, measured on the real programs
 * (test/bench/edge-link/bench.ts; docs/performance.md, "What a scrape costs the edge link").
 * It needs root (network namespaces, TAP devices), Go (the toolchain builds the programs), iproute2
 * and /dev/net/tun. Where one is missing it prints one line naming it and exits 0: the bench is not
 * a test, and `npm run bench` must still run its synthesis part on any machine.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function missing() {
  const out = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) out.push('root (network namespaces and TAP devices)');
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) out.push('Go 1.26 on the PATH (the toolchain builds the programs)');
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) out.push('the ip command (apt-get install -y iproute2)');
  if (!fs.existsSync('/dev/net/tun')) out.push('/dev/net/tun');
  return out;
}

const lacking = missing();
if (lacking.length > 0) {
  console.log(`edge-link bench skipped: it needs ${lacking.join(', ')}.`);
  process.exit(0);
}

const root = path.resolve(__dirname, '..', '..', '..');
// Building what is missing first, so that its output does not mix with the bench's.
const build = spawnSync(process.execPath, [path.join(root, 'upstream', 'toolchain.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.log('edge-link bench failed: the upstream toolchain did not build (node upstream/toolchain.js build).');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'bench.ts'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
