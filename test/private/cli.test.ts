import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { runCli } from '../../src/private/cli';

function io(): { out: string[]; err: string[]; io: any } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { fetch: () => { throw new Error('no fetch here'); }, out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: {} } };
}

describe('drift refuses a file that is not a manifest, with exit status 2', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: string | Buffer): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  }

  test.each([
    ['invalid YAML', 'bad.yaml', 'a: [\n', /cannot read '.*bad\.yaml' as YAML: /],
    ['a binary file', 'ls.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]), /'.*ls\.yaml' is not a Kubernetes manifest: it is a binary file\./],
    ['an empty file', 'empty.yaml', '', /'.*empty\.yaml' is not a Kubernetes manifest: it holds no object\./],
    ['only separators', 'seps.yaml', '---\n---\n', /'.*seps\.yaml' is not a Kubernetes manifest: it holds no object\./],
    ['a JSON object of the wrong shape', 'obj.json', '{"foo": 1}', /'.*obj\.json' is not a Kubernetes manifest: document 1 is \{"foo":1\}, not an object with apiVersion and kind\./],
    ['a JSON list', 'list.json', '[1, 2]', /document 1 is \[1,2\], not an object with apiVersion and kind/],
    ['plain text', 'notes.yaml', 'just text\n', /document 1 is "just text", not an object/],
    ['a List with a bad item', 'list.yaml', 'apiVersion: v1\nkind: List\nitems: [3]\n', /document 1 is 3, not an object/],
    ['a second document of the wrong shape', 'two.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- x\n', /document 2 is \["x"\]/],
  ])('GIVEN %s THEN it exits 2, names the file and the reason, and shows the usage', async (_what, name, content, reason) => {
    const ctx = io();
    expect(await runCli(['drift', '-f', file(name, content)], ctx.io)).toBe(2);
    expect(ctx.err.join('')).toMatch(reason);
    expect(ctx.err.join('')).toContain('Usage: cdk8s-raven-prometheus drift');
    expect(ctx.out).toEqual([]);
  });

  test('GIVEN a folder without manifests THEN it exits 2', async () => {
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    const ctx = io();
    expect(await runCli(['drift', '-f', empty], ctx.io)).toBe(2);
    expect(ctx.err.join('')).toContain(`the folder '${empty}' holds no .yaml, .yml or .json file`);
  });

  test('GIVEN valid manifests with no object the cluster owns THEN it exits 0 saying how many objects it read', async () => {
    const ctx = io();
    expect(await runCli(['drift', '-f', file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n')], ctx.io)).toBe(0);
    expect(ctx.out.join('')).toMatch(/^Read 1 object from .*cm\.yaml\.\nThe manifests write onto no object the cluster owns/);
  });
});

describe('--version', () => {
  test.each([['--version'], ['version']])('GIVEN %s THEN it prints the version in package.json and exits 0', async (arg) => {
    const ctx = io();
    expect(await runCli([arg], ctx.io)).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(ctx.out.join('')).toBe(`cdk8s-raven-prometheus ${pkg.version}\n`);
  });

  test('the usage mentions it', async () => {
    const ctx = io();
    await runCli(['--help'], ctx.io);
    expect(ctx.out.join('')).toContain('--version');
  });
});

describe('the command, given anything (property)', () => {
  const RUNS = { numRuns: 150, seed: 20261207 };
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-cli-prop-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function stubbed(answer: { status: number; body: string } | Error): { out: string[]; err: string[]; io: any } {
    const ctx = io();
    ctx.io.fetch = async () => {
      if (answer instanceof Error) throw answer;
      return { ok: answer.status === 200, status: answer.status, statusText: 'x', text: async () => answer.body };
    };
    return ctx;
  }

  /** What a refusal must not look like: a JavaScript error leaking through instead of the command's own words. */
  const LEAK = /TypeError|RangeError|Cannot read propert|is not a function|undefined is not|at Object\.|at async/;

  test('any arguments: exit status 0, 1 or 2, never an exception; 2 says why on stderr; nothing leaks', async () => {
    const token = fc.constantFrom('verify', 'drift', 'help', '--help', '-h', '--version', 'version', '--prometheus', '--prometheus=http://p:9090',
      'http://p:9090', 'ftp://p', '--job', '(', 'kubelet.*', '-f', '--filename', '--kubeconfig', '--context', '--field-manager', '', '-', '--', 'x', dir);
    await fc.assert(fc.asyncProperty(fc.array(token, { maxLength: 6 }), async (argv) => {
      const ctx = stubbed(new Error('connection refused'));
      const code = await runCli(argv, ctx.io);
      expect([0, 1, 2]).toContain(code);
      if (code === 2) expect(ctx.err.join('')).toMatch(/^cdk8s-raven-prometheus: /);
      if (code === 0) expect(ctx.out.join('')).not.toBe('');
      expect(ctx.err.join('') + ctx.out.join('')).not.toMatch(LEAK);
    }), RUNS);
  });

  test('drift -f on any file: 2 unless every document is an object with apiVersion and kind', async () => {
    const doc = fc.oneof(
      fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.constantFrom('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 'kind: List\napiVersion: v1\nitems: []\n', '---\n', 'a: [', '\u0000\u0001'),
    );
    await fc.assert(fc.asyncProperty(fc.array(doc, { minLength: 1, maxLength: 3 }), async (docs) => {
      const file = path.join(dir, 'm.yaml');
      const text = docs.join('\n---\n');
      fs.writeFileSync(file, text);
      const ctx = io();
      const code = await runCli(['drift', '-f', file], ctx.io);
      expect([0, 2]).toContain(code);
      expect(ctx.err.join('') + ctx.out.join('')).not.toMatch(LEAK);
      if (code === 0) {
        // Accepted: the file parses as YAML into at least one object, each with apiVersion and kind.
        expect(ctx.out.join('')).toMatch(/^Read [1-9]\d* objects? from /);
      } else {
        expect(ctx.err.join('')).toMatch(/is not a Kubernetes manifest|as YAML/);
      }
    }), RUNS);
  });

  test('verify against any answer from Prometheus: 1 or 2, never an exception, and the reason', async () => {
    const answer = fc.oneof(
      fc.record({
        status: fc.constantFrom(200, 404, 500, 503),
        body: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))),
      }),
      fc.constant({ status: 200, body: JSON.stringify({ status: 'success', data: { activeTargets: [{ labels: null }] } }) }),
      fc.constant({ status: 200, body: JSON.stringify({ status: 'success', data: { activeTargets: 'x' } }) }),
    );
    await fc.assert(fc.asyncProperty(answer, async (a) => {
      const ctx = stubbed(a);
      const code = await runCli(['verify', '--prometheus', 'http://p:9090'], ctx.io);
      expect([1, 2]).toContain(code);
      expect(ctx.err.join('') + ctx.out.join('')).not.toMatch(LEAK);
      if (code === 2) expect(ctx.err.join('')).toMatch(/^cdk8s-raven-prometheus: /);
    }), RUNS);
  });
});
