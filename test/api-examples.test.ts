/**
 * The `@example` blocks of the API docs are what a user copies first, and jsii-rosetta translates
 * them into the Python, Java and Go docs. Each one is a complete TypeScript program importing from
 * 'cdk8s-raven-prometheus': here each is type-checked against src/ and run, and every cdk8s App it
 * creates is synthesized (in memory), so that the library's synth-time checks pass too.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as ts from 'typescript';
import * as api from '../src';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';

const SRC = path.join(__dirname, '..', 'src');
const PACKAGE = 'cdk8s-raven-prometheus';

interface Example {
  /** `<file>:<line>`, for the test name. */
  readonly where: string;
  readonly code: string;
}

/** The `@example` blocks of the top-level modules' doc comments, as jsii reads them. */
function examples(): Example[] {
  const out: Example[] = [];
  for (const file of fs.readdirSync(SRC).filter((f) => f.endsWith('.ts')).sort()) {
    const text = fs.readFileSync(path.join(SRC, file), 'utf8');
    for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, ''));
      const start = lines.findIndex((l) => l.startsWith('@example'));
      if (start < 0) continue;
      const end = lines.findIndex((l, i) => i > start && l.startsWith('@'));
      const code = lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim();
      const line = text.slice(0, comment.index).split('\n').length + start;
      out.push({ where: `${file}:${line}`, code });
    }
  }
  return out;
}

const EXAMPLES = examples();

/** Type errors of each example, compiled together with src/ as the package. */
function typeErrors(list: Example[]): Map<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-examples-'));
  const names = list.map((_, i) => path.join(dir, `example-${i}.ts`));
  list.forEach((e, i) => fs.writeFileSync(names[i], e.code));
  try {
    const program = ts.createProgram(names, {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      types: [], // as jsii-rosetta compiles them: no Node.js globals
      baseUrl: dir,
      // The package is src/; everything else resolves as from the repository (the files are in a temporary folder).
      paths: { [PACKAGE]: [path.join(SRC, 'index.ts')], '*': [path.join(__dirname, '..', 'node_modules', '*')] },
      typeRoots: [path.join(__dirname, '..', 'node_modules', '@types')],
    });
    const errors = new Map<string, string[]>();
    list.forEach((e, i) => {
      const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(names[i]));
      errors.set(e.where, diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')));
    });
    return errors;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs an example with the package mapped to src/, and synthesizes every App it created. Files an
 * example reads with cdk8s' `Yaml.load` (an exported Gateway) are read from `dir`.
 */
function run(example: Example, dir: string): number {
  const apps: cdk8s.App[] = [];
  class RecordedApp extends cdk8s.App {
    constructor(props: cdk8s.AppProps = {}) {
      super({ ...props, outdir: dir });
      apps.push(this);
    }
  }
  const load = (file: string) => cdk8s.Yaml.load(path.isAbsolute(file) ? file : path.join(dir, file));
  const modules: { [name: string]: unknown } = {
    [PACKAGE]: api,
    cdk8s: { ...cdk8s, App: RecordedApp, Yaml: new Proxy(cdk8s.Yaml, { get: (target, p) => p === 'load' ? load : (target as any)[p] }) },
  };
  const js = ts.transpileModule(example.code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const module = { exports: {} };
  const requireModule = (name: string) => {
    if (!(name in modules)) throw new Error(`${example.where}: an example imports only cdk8s and ${PACKAGE}, not '${name}'`);
    return modules[name];
  };
  new Function('require', 'module', 'exports', js)(requireModule, module, module.exports);
  for (const app of apps) app.synthYaml();
  return apps.length;
}

describe('API examples', () => {
  test('GIVEN the API docs WHEN their @example blocks are collected THEN the main constructs and classes have one', () => {
    const documented = EXAMPLES.map((e) => e.where.split(':')[0]);
    for (const file of ['raven-prometheus.ts', 'edge-node-scrape.ts', 'node-exporter-scrape.ts', 'kubelet-scrape.ts',
      'raven-core-dns.ts', 'raven-proxy-dns.ts', 'dns-strategy.ts', 'corefile.ts', 'prometheus-config.ts']) {
      expect(documented).toContain(file);
    }
    for (const e of EXAMPLES) expect(e.code).toContain(`from '${PACKAGE}'`);
  });

  // One compilation for all of them (loading the types is what takes time), with one example that must fail.
  const WRONG: Example = {
    where: 'wrong',
    code: `import { App } from 'cdk8s';\nimport { RavenPrometheus } from '${PACKAGE}';\n\nnew RavenPrometheus(new App(), 'r', { relase: 'x' });\n`,
  };
  let errors: Map<string, string[]>;
  beforeAll(() => {
    errors = typeErrors([...EXAMPLES, WRONG]);
  });

  test('GIVEN every @example WHEN type-checked against the package THEN none has an error', () => {
    expect(EXAMPLES.map((e) => [e.where, errors.get(e.where)])).toEqual(EXAMPLES.map((e) => [e.where, []]));
  });

  test('GIVEN an example with a prop the API does not have WHEN type-checked THEN the error is reported (the check can fail)', () => {
    expect(errors.get('wrong')!.join('\n')).toMatch(/'relase' does not exist/);
  });

  // Where the examples run: their synthesized output, and the files they read (the example stack's Gateway as exported).
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-examples-out-'));
  fs.writeFileSync(path.join(outdir, 'gw-cloud.yaml'), cdk8s.Yaml.stringify(EXAMPLE_CLOUD_GATEWAY));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('GIVEN an example whose stack the library refuses WHEN run THEN the refusal is reported (the run can fail)', () => {
    const refused: Example = {
      where: 'refused',
      code: `import { App, Chart } from 'cdk8s';\nimport { EdgeNodeScrape } from '${PACKAGE}';\n\n`
        + 'new EdgeNodeScrape(new Chart(new App(), \'c\', { namespace: \'m\' }), \'e\', { port: 70000 });\n',
    };
    expect(() => run(refused, outdir)).toThrow(/'port' must be an integer between 1 and 65535, got 70000/);
  });

  test.each(EXAMPLES.map((e) => [e.where, e] as const))('GIVEN the example at %s WHEN run THEN it synthesizes without error', (_where, example) => {
    expect(() => run(example, outdir)).not.toThrow();
  });
});
