import { spawnSync } from 'child_process';
import * as fs from 'fs';

/**
 * What the upstream suite needs from the machine, checked once before any test file runs (Jest's
 * global setup for `npm run test:upstream`), so that a missing program is named once, with how to
 * get it, instead of failing every suite that stands on it.
 */

/** How the machine is asked; replaced in tests. */
export interface PrerequisiteProbe {
  /** The effective user id, undefined where there is none (Windows). */
  uid(): number | undefined;
  /** Runs a command to completion; `error` is set when it could not be started (not found). */
  run(command: string, args: string[]): { status: number | null; stdout: string; error?: Error };
  exists(file: string): boolean;
}

const SYSTEM: PrerequisiteProbe = {
  uid: () => (typeof process.getuid === 'function' ? process.getuid() : undefined),
  run: (command, args) => {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
    return { status: result.status, stdout: `${result.stdout ?? ''}${result.stderr ?? ''}`, error: result.error };
  },
  exists: (file) => fs.existsSync(file),
};

/** The minimum Go minor version (the toolchain's go.mod files say `go 1.26`). */
const GO_MINOR = 26;

/** One line per missing prerequisite: what, why, and how to get it; empty when all are there. */
export function missingPrerequisites(probe: PrerequisiteProbe = SYSTEM): string[] {
  const missing: string[] = [];
  if (probe.uid() !== 0) {
    missing.push('root: the suite creates network namespaces (ip netns add) and TAP devices; run it as root (in CI, a container, or with sudo -E)');
  }
  const runs = (command: string, args: string[]) => {
    const result = probe.run(command, args);
    return result.error === undefined && result.status === 0;
  };
  if (!runs('ip', ['-V'])) {
    missing.push('ip (namespaces, devices, routes): apt-get install -y iproute2');
  }
  if (!runs('tc', ['-V'])) {
    missing.push('tc (traffic control): apt-get install -y iproute2');
  }
  if (!runs('openssl', ['version'])) {
    missing.push('openssl (the lab\'s certificates): apt-get install -y openssl');
  }
  const go = probe.run('go', ['env', 'GOVERSION']);
  if (go.error !== undefined || go.status !== 0) {
    missing.push(`Go 1.${GO_MINOR} or later on the PATH (the upstream programs are built from Go modules): https://go.dev/dl/`);
  } else {
    const found = go.stdout.trim();
    const minor = /^go1\.(\d+)/.exec(found);
    if (!minor || Number(minor[1]) < GO_MINOR) {
      missing.push(`Go 1.${GO_MINOR} or later (found ${found}): https://go.dev/dl/`);
    }
  }
  if (!probe.exists('/dev/net/tun')) {
    missing.push('/dev/net/tun (the edge link\'s TAP devices): modprobe tun, or in a container --device /dev/net/tun');
  }
  return missing;
}

/** Throws one error naming everything missing. */
export function checkUpstreamPrerequisites(probe: PrerequisiteProbe = SYSTEM): void {
  const missing = missingPrerequisites(probe);
  if (missing.length > 0) {
    throw new Error(`The upstream suite cannot run on this machine; missing:\n${missing.map((m) => `  - ${m}`).join('\n')}\n`
      + '(.ci/run installs the Debian packages.)');
  }
}
