/**
 * Code identity for reference-run selection: a run whose plugins or harness runtime changed is
 * not an identical rerun. A plugin's code is its module graph (the entry file and every module
 * it reaches through relative imports, transitively), not just its entry file; the harness's
 * own runtime code that plugin processes execute (common, dataset and plugins layers, minus the
 * built-in plugins, which are hashed through their graphs) is hashed once per process.
 * Bare package imports are not followed: packages are pinned by the lockfile, not hashed here.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const fileHashes = new Map<string, { mtimeMs: number; size: number; sha256: string; imports: string[] }>();

/**
 * Relative specifiers in static imports/exports, side-effect imports, literal dynamic imports
 * and require calls. A regex scan, not a parse: text in comments or strings can only add files
 * that exist (a stricter hash), never drop a real import.
 */
export function relativeSpecifiers(source: string): string[] {
  const out = new Set<string>();
  const patterns = [/\bfrom\s*(['"])(\.{1,2}\/[^'"\n]+)\1/g, /\bimport\s*(['"])(\.{1,2}\/[^'"\n]+)\1/g, /\b(?:import|require)\s*\(\s*(['"])(\.{1,2}\/[^'"\n]+)\1\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.add(m[2]!);
  return [...out].sort();
}

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

/** The file a relative specifier names, as Node (or a TS build) would find it; undefined if none. */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => join(base, `index${e}`))];
  // Sources written for a build import './x.js' for './x.ts'.
  const swapped = /\.(m|c)?js$/.exec(base);
  if (swapped) candidates.push(base.replace(/\.(m|c)?js$/, `.${swapped[1] ?? ''}ts`));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function hashFile(file: string): { sha256: string; imports: string[] } {
  const st = statSync(file);
  const cached = fileHashes.get(file);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached;
  const bytes = readFileSync(file);
  const text = bytes.toString('utf8');
  const imports = relativeSpecifiers(text)
    .map((s) => resolveRelative(file, s))
    .filter((f): f is string => f !== undefined);
  const entry = { mtimeMs: st.mtimeMs, size: st.size, sha256: createHash('sha256').update(bytes).digest('hex'), imports };
  fileHashes.set(file, entry);
  return entry;
}

/** The files a module reaches through relative imports (itself included), sorted. */
export function moduleGraph(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...hashFile(file).imports);
  }
  return [...seen].sort();
}

/** sha256 over (path relative to the entry's directory, content hash) of the module graph. */
export function moduleGraphSha256(entry: string): string {
  const root = dirname(resolve(entry));
  const h = createHash('sha256');
  for (const file of moduleGraph(entry)) h.update(`${relative(root, file)}\0${hashFile(file).sha256}\n`);
  return h.digest('hex');
}

/** The layers plugin processes execute (the worker, the accessor and what they import). */
const RUNTIME_LAYERS = ['common', 'dataset', 'plugins'];

function filesUnder(dir: string, skip: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== skip) out.push(...filesUnder(p, skip));
    } else if (e.isFile() && /\.(m|c)?[jt]s$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * sha256 of the harness runtime code plugin processes execute: the tree this module runs from
 * (src/ from source, dist/ when built), layers common, dataset and plugins, without builtin/.
 */
export function harnessRuntimeSha256(codeRoot = fileURLToPath(new URL('../', import.meta.url))): string {
  const h = createHash('sha256');
  const skip = join(codeRoot, 'plugins', 'builtin');
  const files = RUNTIME_LAYERS.flatMap((l) => (existsSync(join(codeRoot, l)) ? filesUnder(join(codeRoot, l), skip) : [])).sort();
  for (const file of files) h.update(`${relative(codeRoot, file)}\0${hashFile(file).sha256}\n`);
  return h.digest('hex');
}
