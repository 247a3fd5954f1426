import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * What `npm pack` puts in the package, by the project's own package.json and .npmignore, on a
 * stand-in tree that has a file where each kind of file of the real one is (the built library,
 * the example app built beside it, the upstream toolchain, tests, docs): the package ships the
 * library only.
 */
describe('the npm package ships the library only', () => {
  const root = path.join(__dirname, '..');
  let dir: string;
  let packed: string[];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-pack-'));
    fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
    fs.copyFileSync(path.join(root, '.npmignore'), path.join(dir, '.npmignore'));
    for (const file of [
      'README.md', 'LICENSE', 'API.md', '.jsii',
      'lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/cli.js', 'lib/src/private/re2.js', 'lib/src/private/re2.js.map', 'lib/imports/raven.openyurt.io.js',
      'lib/src/example/main.js', 'lib/src/example/platform.d.ts', 'lib/src/example/cloud-gateway.js.map',
      'upstream/toolchain.js', 'upstream/prometheus/go.mod', 'docs/development.md', 'test/re2.test.ts', 'src/index.ts', 'imports/raven.openyurt.io.ts',
      'dist/platform.k8s.yaml', 'artifacts/python/x.whl', 'tsconfig.json', '.projenrc.ts', 'coverage/lcov.info',
    ]) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), 'x');
    }
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`npm pack failed: ${result.stderr}`);
    packed = JSON.parse(result.stdout)[0].files.map((f: any) => f.path).sort();
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the library, its assembly, types, source maps and docs are in', () => {
    expect(packed).toEqual(expect.arrayContaining([
      '.jsii', 'API.md', 'LICENSE', 'README.md', 'package.json',
      'lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/cli.js', 'lib/src/private/re2.js', 'lib/src/private/re2.js.map', 'lib/imports/raven.openyurt.io.js',
    ]));
  });

  test('no example app, upstream toolchain, test, source, development doc or build output', () => {
    expect(packed.filter((f) => /^(lib\/src\/example|upstream|docs|test|src|imports|dist|artifacts|coverage)\/|^tsconfig\.json$|^\.projenrc/.test(f))).toEqual([]);
  });

  test('the command\'s entry point is in the package', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(packed).toContain(pkg.bin['cdk8s-raven-prometheus']);
  });
});
