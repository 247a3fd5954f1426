import * as fs from 'fs';
import * as path from 'path';

/** The default Corefiles of eleven distributions (provenance in distributions/SOURCES.md). */
export const DISTRIBUTIONS_DIR = path.join(__dirname, 'distributions');
/** Real Corefiles collected from public sources. */
export const COLLECTED_DIR = path.join(__dirname, 'collected');
/** Crafted Corefiles for this engine's tests. */
export const CASES_DIR = path.join(__dirname, 'cases');
/** Hand-written expected outputs. */
export const EXPECTED_DIR = path.join(__dirname, 'expected');

/** Names (without `.Corefile`) of the Corefiles in `dir`, sorted. */
export function corefileNames(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.Corefile')).map((f) => f.slice(0, -'.Corefile'.length)).sort();
}

/** Reads `<dir>/<name>.Corefile` exactly as stored. */
export function readCorefile(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, `${name}.Corefile`), 'utf8');
}

/** The lines of the hosts block the edit adds with default options, for a given indent and nested unit. */
export function tunnelLines(indent: string, unit: string, eol = '\n'): string {
  return [
    `${indent}hosts /etc/edge/tunnel-nodes {`,
    `${indent}${unit}no_reverse`,
    `${indent}${unit}reload 300ms`,
    `${indent}${unit}fallthrough`,
    `${indent}}`,
  ].map((l) => l + eol).join('');
}
