/**
 * The upstream toolchain seen from the tests: pinned upstream files (CRDs) from Go module zips and
 * upstream programs built from Go modules, both kept in the toolchain's cache (upstream/toolchain.js).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const toolchain = require('../../upstream/toolchain.js') as {
  fetchFiles(names?: string[]): { name: string; path: string }[];
  program(name: string, log?: (line: string) => void): string;
  cacheDir(): string;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const files = new Map<string, string>();

/** The cached path of a pinned upstream file (`upstream/files/files.json`), fetched on first use. */
export function upstreamFile(name: string): string {
  let file = files.get(name);
  if (file === undefined) {
    file = toolchain.fetchFiles([name])[0].path;
    files.set(name, file);
  }
  return file;
}

/** Every pinned upstream file, fetched once (jest's global setup calls this). */
export function fetchAllUpstreamFiles(): void {
  toolchain.fetchFiles();
}

/** The path of an upstream program, built from its pinned Go module when missing. */
export function upstreamProgram(name: string): string {
  return toolchain.program(name, (line) => process.stderr.write(`${line}\n`));
}
