/**
 * Node command line of a sandboxed plugin process (DESIGN.md "Traps"): the permission model
 * limits reads to the harness code, the plugin's own directory and the dataset's Arrow file,
 * and writes to the plugin's artifacts directory. No addons, no child processes, no worker
 * threads (all denied by --permission unless allowed), and node:sqlite switched off because
 * the permission model does not guard it.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Package root (same relative position from src/plugins and dist/plugins). */
export const HARNESS_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The worker entry next to this module: worker.ts when running from source, worker.js when built. */
export const WORKER_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url));

/**
 * What harness code a plugin process must read: its own sources/build, schemas, and the real
 * directory of every runtime dependency. Dependencies are resolved the way Node resolves them
 * (not assumed under HARNESS_ROOT/node_modules): installed as a package, npm hoists them to
 * the consumer's node_modules, pnpm links them from its store.
 */
export function harnessReadPaths(): string[] {
  const own = ['package.json', 'src', 'dist', 'schemas'].map((p) => join(HARNESS_ROOT, p)).filter((p) => existsSync(p));
  return [...own, ...runtimeDependencyDirs(HARNESS_ROOT)];
}

const dependencyDirCache = new Map<string, string[]>();

/**
 * Directories of a package's runtime dependencies, transitively (dependencies,
 * optionalDependencies and peerDependencies that are installed), sorted. Each is looked up
 * from the directory of the package that depends on it, as Node's resolver does; both the path
 * where it was found and its real path are listed, because the resolver reads the package.json
 * under the linked path (pnpm and `npm link` layouts) before following the link. Cached per root.
 */
export function runtimeDependencyDirs(packageRoot: string): string[] {
  const cached = dependencyDirCache.get(packageRoot);
  if (cached) return cached;
  const found = new Set<string>();
  const visited = new Set<string>();
  const queue = [realpathSync(packageRoot)];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    for (const name of dependencyNames(dir)) {
      const dep = locatePackage(name, dir);
      if (dep === undefined) continue;
      found.add(dep.path);
      found.add(dep.real);
      if (visited.has(dep.real)) continue;
      visited.add(dep.real);
      queue.push(dep.real);
    }
  }
  const out = [...found].sort();
  dependencyDirCache.set(packageRoot, out);
  return out;
}

function dependencyNames(packageDir: string): string[] {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = pkg[field];
    if (deps !== null && typeof deps === 'object') for (const n of Object.keys(deps)) names.add(n);
  }
  return [...names];
}

/** Where `name` is found from `fromDir` and its real directory; undefined if not installed (optional/peer). */
function locatePackage(name: string, fromDir: string): { path: string; real: string } | undefined {
  // The lookup paths instead of resolve('<name>/package.json'): a package's "exports" may hide it.
  const paths = createRequire(join(fromDir, 'package.json')).resolve.paths(name) ?? [];
  for (const base of paths) {
    const manifest = join(base, name, 'package.json');
    if (existsSync(manifest)) return { path: join(base, name), real: dirname(realpathSync(manifest)) };
  }
  return undefined;
}

export interface SandboxOptions {
  /** Extra read-only paths (plugin directory, Arrow file). */
  read: readonly string[];
  /** Writable directories (the artifacts directory); empty for discovery. */
  write: readonly string[];
  memoryMb?: number;
}

export function sandboxArgs(options: SandboxOptions): string[] {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : p);
  // A linked path is granted as well as its target: Node's resolver reads through the link.
  const read = [...new Set([...harnessReadPaths(), ...options.read, ...options.write].flatMap((p) => [p, real(p)]))].sort();
  const write = [...new Set(options.write.map(real))].sort();
  const args = ['--permission', '--no-experimental-sqlite', '--disable-warning=ExperimentalWarning'];
  for (const p of prefixSafeGrants(read)) args.push(`--allow-fs-read=${p}`);
  for (const p of write) args.push(`--allow-fs-write=${p}`);
  if (options.memoryMb !== undefined) args.push(`--max-old-space-size=${options.memoryMb}`);
  return args;
}

/**
 * Works around a Node 24 permission-model defect (measured on 24.21): granting both `…/ajv` and
 * `…/ajv-formats` denies access to the directory `…/ajv` itself (files below it stay readable),
 * and the module resolver's realpath walk stats that directory. A path that is a string prefix
 * of another grant is therefore granted as `path*`, which also covers same-prefix siblings
 * (read-only, and in practice other packages of the same family).
 */
export function prefixSafeGrants(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.map((p) => (sorted.some((q) => q !== p && q.startsWith(p) && q[p.length] !== '/') ? `${p}*` : p));
}

/** The environment a plugin sees: no NODE_OPTIONS (it could undo the sandbox), UTC clock. */
export function sandboxEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { TZ: 'UTC', LANG: 'C.UTF-8' };
  if (parent.PATH !== undefined) env.PATH = parent.PATH;
  for (const [k, v] of Object.entries(parent)) if (k.startsWith('STAT_HARNESS_') && v !== undefined) env[k] = v;
  return env;
}
