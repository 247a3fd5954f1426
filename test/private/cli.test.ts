import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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
