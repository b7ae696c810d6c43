/**
 * The layering of the repository, from its import graph (the workspaces' shipped sources, parsed
 * by TypeScript: imports, `import type`, re-exports, and dynamic imports of their own files):
 * - nothing under packages/ imports a package under plugins/, and no package.json under packages/
 *   depends on one (plugins build on packages, never the reverse; a plugin reaches the CLI
 *   through the `command` hook);
 * - no cycle runs through packages/core/src/kiln.ts (a data runner's worker rebuilds its chain
 *   through @kiln/core's public createKiln, from its own package).
 * A dynamic import() of a package by name is how core finds an optional package at run time, if it
 * is installed (the backends, the data runner, MPI through the native addon): it is neither a
 * dependency nor an edge of the module graph. Tests and benches may use plugins as fixtures; they
 * are not shipped, so they are not read here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const SHIPPED = ['src', 'bin', 'workers'];
const SOURCE = /\.(ts|mts|js|mjs)$/;

interface Workspace {
  name: string;
  dir: string;
  manifest: { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
}

function workspaces(group: 'packages' | 'plugins'): Workspace[] {
  return readdirSync(join(ROOT, group))
    .map((name) => join(group, name))
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
      return { name: manifest.name as string, dir, manifest };
    });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' || entry === 'dist' ? [] : filesUnder(path);
    return SOURCE.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

const PACKAGES = workspaces('packages');
const PLUGINS = workspaces('plugins');
const ALL = [...PACKAGES, ...PLUGINS];
const byName = new Map(ALL.map((w) => [w.name, w]));

/** A file's import specifiers: imports, `import type`, re-exports, and dynamic imports of relative paths. */
function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg) && arg.text.startsWith('.')) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The workspace a bare specifier names (`@kiln/core`, `@kiln/data/sub`), if any. */
function workspaceOf(specifier: string): Workspace | undefined {
  const [scope, name] = specifier.split('/');
  return byName.get(scope.startsWith('@') ? `${scope}/${name}` : scope);
}

/** The source file a specifier resolves to within the repository (relative imports and workspace entries). */
function resolveImport(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(from), specifier);
    for (const candidate of [target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target, `${target}.ts`])
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    return undefined;
  }
  const workspace = workspaceOf(specifier);
  if (!workspace) return undefined;
  const entry = join(ROOT, workspace.dir, 'src/index.ts');
  return existsSync(entry) ? entry : undefined;
}

describe('import graph', () => {
  test('packages/ imports nothing from plugins/', () => {
    const offences: string[] = [];
    for (const pkg of PACKAGES) {
      for (const file of SHIPPED.flatMap((d) => filesUnder(join(ROOT, pkg.dir, d)))) {
        for (const specifier of specifiers(file)) {
          const target = workspaceOf(specifier);
          const local = specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
          if (target?.dir.startsWith('plugins/') || local?.startsWith(join(ROOT, 'plugins')))
            offences.push(`${relative(ROOT, file)} imports ${specifier}`);
        }
      }
      const { dependencies = {}, peerDependencies = {} } = pkg.manifest;
      for (const dep of Object.keys({ ...dependencies, ...peerDependencies }))
        if (byName.get(dep)?.dir.startsWith('plugins/')) offences.push(`${pkg.dir}/package.json depends on ${dep}`);
    }
    expect(offences).toEqual([]);
  });

  test('no import cycle runs through packages/core/src/kiln.ts', () => {
    const kiln = join(ROOT, 'packages/core/src/kiln.ts');
    const files = ALL.flatMap((w) => SHIPPED.flatMap((d) => filesUnder(join(ROOT, w.dir, d))));
    const edges = new Map<string, string[]>(
      files.map((file) => [
        file,
        specifiers(file)
          .map((s) => resolveImport(file, s))
          .filter((f): f is string => f !== undefined),
      ]),
    );
    expect(edges.get(kiln)!.length).toBeGreaterThan(5); // the graph was read
    // A cycle through kiln.ts is a path from one of its imports back to it.
    const seen = new Set<string>();
    const back: string[][] = [];
    const walk = (file: string, path: string[]) => {
      for (const next of edges.get(file) ?? []) {
        if (next === kiln) back.push([...path, next].map((f) => relative(ROOT, f)));
        else if (!seen.has(next)) {
          seen.add(next);
          walk(next, [...path, next]);
        }
      }
    };
    walk(kiln, [kiln]);
    expect(back).toEqual([]);
  });
});
