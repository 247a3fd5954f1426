/**
 * The layout of src/ is part of the API's design: the top-level files hold the public API, one
 * construct (or API class) with its props per file; internals live under src/private/; index.ts
 * re-exports the API and nothing else; imports flow one way (index -> constructs -> cores), so no
 * module ever imports itself back, not even for a type.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', 'src');
/** Top-level files that are entry points rather than API modules. */
const ENTRY_POINTS = ['index.ts', 'cli.ts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** The files under `root` a file imports or re-exports from, type-only imports included. */
function localImports(file: string, root: string): string[] {
  const out: string[] = [];
  for (const s of parse(file).statements) {
    if ((ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)
      && s.moduleSpecifier.text.startsWith('.')) {
      const base = path.resolve(path.dirname(file), s.moduleSpecifier.text);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
      if (target === undefined) throw new Error(`${file}: cannot resolve '${s.moduleSpecifier.text}'`);
      if (target.startsWith(root + path.sep)) out.push(target);
    }
  }
  return out;
}

/** Every import cycle among the files under `root`, each as the path that closes it. */
function importCycles(root: string): string[][] {
  const files = sourceFiles(root);
  const graph = new Map(files.map((f) => [f, localImports(f, root)]));
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (f: string): void => {
    const at = onPath.indexOf(f);
    if (at >= 0) {
      cycles.push([...onPath.slice(at), f].map((p) => path.relative(root, p)));
      return;
    }
    if (done.has(f)) return;
    onPath.push(f);
    for (const next of graph.get(f) ?? []) visit(next);
    onPath.pop();
    done.add(f);
  };
  for (const f of files) visit(f);
  return cycles;
}

function hasExportModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** The classes, interfaces and enums a file exports: what jsii makes the API when index.ts re-exports them. */
function exportedTypes(file: string): string[] {
  return parse(file).statements
    .filter((s): s is ts.ClassDeclaration | ts.InterfaceDeclaration | ts.EnumDeclaration =>
      (ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isEnumDeclaration(s)) && hasExportModifier(s))
    .map((s) => s.name!.text);
}

const topLevel = fs.readdirSync(SRC).filter((f) => f.endsWith('.ts') && !ENTRY_POINTS.includes(f));

describe('src/ layout', () => {
  test('GIVEN every module of src/ WHEN its imports are followed THEN none leads back to itself', () => {
    expect(importCycles(SRC)).toEqual([]);
  });

  test('GIVEN modules importing each other in a ring, one for a type only WHEN checked THEN the cycle is found', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'source-layout-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = b;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import type { C } from './c';\nexport const b: C | undefined = undefined;\n");
      fs.writeFileSync(path.join(dir, 'c.ts'), "import { a } from './a';\nexport type C = typeof a;\n");
      fs.writeFileSync(path.join(dir, 'd.ts'), "import { a } from './a';\nexport const d = a;\n");
      expect(importCycles(dir)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN index.ts WHEN read THEN it only re-exports, by name, from top-level modules', () => {
    const index = parse(path.join(SRC, 'index.ts'));
    for (const s of index.statements) {
      expect(ts.isExportDeclaration(s) && s.exportClause !== undefined && ts.isNamedExports(s.exportClause)).toBe(true);
      const from = ((s as ts.ExportDeclaration).moduleSpecifier as ts.StringLiteral).text;
      expect(from).toMatch(/^\.\/[a-z0-9-]+$/);
    }
  });

  test('GIVEN the top-level modules WHEN their classes, interfaces and enums are listed THEN index.ts re-exports exactly those', () => {
    const api = topLevel.flatMap((f) => exportedTypes(path.join(SRC, f)).map((name) => `${name} from ./${f.replace(/\.ts$/, '')}`));
    const reexported = parse(path.join(SRC, 'index.ts')).statements.filter(ts.isExportDeclaration).flatMap((s) =>
      (s.exportClause as ts.NamedExports).elements.map((e) => `${e.name.text} from ${(s.moduleSpecifier as ts.StringLiteral).text}`));
    expect(reexported.sort()).toEqual(api.sort());
  });

  test('GIVEN src/private/ WHEN its modules are listed THEN none is imported by index.ts and each is imported by some module', () => {
    const files = sourceFiles(SRC);
    const privateFiles = files.filter((f) => f.includes(`${path.sep}private${path.sep}`));
    expect(privateFiles.length).toBeGreaterThan(0);
    const importedBy = new Map<string, string[]>();
    for (const f of files) for (const target of localImports(f, SRC)) importedBy.set(target, [...importedBy.get(target) ?? [], f]);
    for (const f of privateFiles) {
      const users = importedBy.get(f) ?? [];
      const file = path.relative(SRC, f);
      expect({ file, used: users.length > 0 }).toEqual({ file, used: true });
      expect(users).not.toContain(path.join(SRC, 'index.ts'));
    }
  });
});
