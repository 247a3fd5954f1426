import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { relabelRegexError } from '../../src/private/re2';
import { generatedRegexes, HAND_WRITTEN_REGEXES } from '../support/re2-corpus';
import { upstreamProgram } from '../support/upstream';

/**
 * The library's RE2 syntax checker (src/private/re2.ts) against the real RE2 of Prometheus:
 * promtool 3.x, built from the pinned Prometheus module, checks one configuration per regex (a
 * metric relabeling with that regex), all in one run. Both must accept and refuse the same regexes,
 * and where both refuse, promtool's message carries the checker's (Go's words).
 */
describe('the RE2 checker agrees with promtool', () => {
  const corpus = [...new Set([...HAND_WRITTEN_REGEXES, ...generatedRegexes(400)])];
  let dir: string;
  let accepted: Set<number>;
  let stderr: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-re2-'));
    const files = corpus.map((regex, i) => {
      const file = path.join(dir, `c${i}.yml`);
      fs.writeFileSync(file, YAML.stringify({
        scrape_configs: [{
          job_name: 'x',
          static_configs: [{ targets: ['localhost:9100'] }],
          metric_relabel_configs: [{ source_labels: ['__name__'], regex, action: 'drop' }],
        }],
      }));
      return file;
    });
    const result = spawnSync(upstreamProgram('promtool'), ['check', 'config', '--syntax-only', ...files], {
      encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
    });
    stderr = result.stderr;
    accepted = new Set();
    for (const match of result.stdout.matchAll(/SUCCESS: .*\/c(\d+)\.yml is valid/g)) accepted.add(Number(match[1]));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the corpus has a few hundred regexes, and promtool both accepts and refuses some', () => {
    expect(corpus.length).toBeGreaterThan(500);
    expect(accepted.size).toBeGreaterThan(100);
    expect(corpus.length - accepted.size).toBeGreaterThan(100);
  });

  test('every regex promtool accepts the checker accepts, and every one it refuses the checker refuses', () => {
    const disagreements = corpus
      .map((regex, i) => ({ regex, promtool: accepted.has(i) ? 'accepts' : 'refuses', checker: relabelRegexError(regex) === undefined ? 'accepts' : 'refuses' }))
      .filter((d) => d.promtool !== d.checker);
    expect(disagreements).toEqual([]);
  });

  test('where both refuse, promtool says what the checker says', () => {
    const missing = corpus
      .map((regex) => relabelRegexError(regex))
      .filter((error): error is string => error !== undefined)
      .filter((error) => !stderr.includes(error));
    expect(missing).toEqual([]);
  });
});
