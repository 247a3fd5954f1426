import { BoundedCache } from './bounded-cache';
import { ClusterVersions } from './versions';

/** The versions assumed when none are declared: current releases. */
export const CURRENT_VERSIONS: Required<ClusterVersions> = {
  prometheusOperator: '0.93.0',
  raven: '0.4.4',
  openYurt: '1.7.0',
};

type Version = [number, number, number];

/** Parsed versions by their text: every scrape checks the same few. */
const PARSED = new BoundedCache<Readonly<Version>>(64);

function parseVersion(owner: string, prop: string, value: string): Readonly<Version> {
  return PARSED.get(String(value), () => {
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(value);
    if (!m) {
      throw new Error(`${owner}: 'versions.${prop}' must be a version like '0.93.0' or 'v0.93.0', got '${value}'.`);
    }
    return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  });
}

function atLeast(a: Readonly<Version>, b: Readonly<Version>): boolean {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] > b[i];
  }
  return true;
}

/** Resolved, validated versions. */
export function resolveVersions(owner: string, versions: ClusterVersions | undefined): Required<ClusterVersions> {
  const resolved = { ...CURRENT_VERSIONS, ...(versions ?? {}) };
  for (const key of Object.keys(CURRENT_VERSIONS) as Array<keyof ClusterVersions>) {
    parseVersion(owner, key, resolved[key]);
  }
  return resolved;
}

const COMPONENT_NAMES: { [K in keyof ClusterVersions]-?: string } = {
  prometheusOperator: 'prometheus-operator',
  raven: 'raven',
  openYurt: 'OpenYurt',
};

/**
 * Refuses a feature that needs a newer component than the declared one, naming the feature,
 * the versions, and the way out.
 */
export function requireVersion(
  owner: string,
  versions: Required<ClusterVersions>,
  component: keyof ClusterVersions,
  minimum: string,
  feature: string,
  alternative: string,
): void {
  const declared = versions[component];
  if (!atLeast(parseVersion(owner, component, declared), parseVersion(owner, component, minimum))) {
    throw new Error(`${owner}: ${feature} needs ${COMPONENT_NAMES[component]} v${minimum.replace(/^v/, '')} or later, `
      + `but versions.${component} is '${declared}'. ${alternative}`);
  }
}
