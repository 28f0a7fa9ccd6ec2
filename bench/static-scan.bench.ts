/**
 * Static-scan benchmark (DESIGN.md trap: "ts-morph wraps every node it visits"). Generates
 * ~200 plugin modules (bench/.out/static-scan/, gitignored), loads them into ONE ts-morph
 * Project, and compares the two walks of the same scan — ts-morph's wrapped nodes
 * (`forEachDescendant`) vs the raw compiler nodes (`compilerNode` + `ts.forEachChild`, what
 * the collector uses). Both give identical results (checked here, and in the unit tests).
 *
 *  cold: the first scan of a fresh Project (includes the type checker's work), ABBA order,
 *        best of two per walker
 *  warm: the same Project, checker caches full, interleaved reps, best of N; ts-morph's node
 *        wrappers are forgotten after each of its reps so every rep pays the wrapping again
 *
 *   node bench/static-scan.bench.ts [--plugins 200] [--reps 5]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScanProject, scanFiles, type ScanWalker } from '../src/collectors/index.ts';

const OUT = fileURLToPath(new URL('./.out/static-scan/', import.meta.url));
const SDK = fileURLToPath(new URL('../src/index.ts', import.meta.url));

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be an integer >= 1`);
  return v;
}

/** One plugin module: helpers, loops and every access pattern the collector classifies. */
function pluginSource(i: number): string {
  const helpers = Array.from({ length: 8 }, (_, h) => `
function stat${h}(values: number[], k: number): { mean: number; max: number } {
  let sum = 0;
  let max = -Infinity;
  for (let j = 0; j < values.length; j++) {
    const v = values[j]! * ${h + 1} + k;
    if (v > max) max = v;
    sum += v > 0 ? v : -v;
  }
  const mean = values.length === 0 ? 0 : sum / values.length;
  return { mean: Math.round(mean * 100) / 100, max: Number.isFinite(max) ? max : 0 };
}`).join('\n');
  const kind = i % 4;
  const access =
    kind === 0
      ? `for (const b of ctx.dataset.iterBatches({ columns: ['process_id', 'queue_dt'] })) rows += b.length;`
      : kind === 1
        ? `const d = ctx.dataset; rows += d.load({ columns: ['process_id'], rowLimit: 1000 }).rows.length;`
        : kind === 2
          ? `const { load } = ctx.dataset; rows += load({ columns: ['process_id'] }).rows.length;`
          : `rows += ctx.dataset.sql('SELECT COUNT(*) AS n FROM jobs', [], { maxRows: 10 }).rows.length;`;
  return `import { definePlugin, PLUGIN_API_VERSION } from ${JSON.stringify(SDK)};
${helpers}

export default definePlugin({
  id: 'bench_plugin_${String(i).padStart(4, '0')}',
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  class: 'supporting_signal_detectors',
  access: 'iter_batches',
  run(ctx) {
    let rows = 0;
    ${access}
    const values = Array.from({ length: 64 }, (_, j) => (j * ${i + 7}) % 97);
    const summary = [stat0(values, 1), stat1(values, 2), stat2(values, 3), stat3(values, 4), stat4(values, 5), stat5(values, 6), stat6(values, 7), stat7(values, 8)]
      .map((s) => \`\${s.mean}/\${s.max}\`)
      .join(', ');
    return { status: 'ok', summary: \`\${rows} rows: \${summary}\`, metrics: { rows }, findings: [], recommendations: [] };
  },
});
`;
}

function generate(n: number): string[] {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  return Array.from({ length: n }, (_, i) => {
    const file = join(OUT, `plugin_${String(i).padStart(4, '0')}.ts`);
    writeFileSync(file, pluginSource(i));
    return file;
  });
}

function loadProject(files: readonly string[]) {
  const project = createScanProject();
  const sources = files.map((f) => project.addSourceFileAtPath(f));
  project.resolveSourceFileDependencies();
  return { project, sources };
}

function timeScan(walker: ScanWalker, project: ReturnType<typeof loadProject>['project'], sources: ReturnType<typeof loadProject>['sources']): { ms: number; sites: number } {
  const t0 = performance.now();
  let sites = 0;
  const run = () => {
    for (const s of scanFiles(project, sources, walker).values()) sites += s.sites.length;
  };
  // Forget the wrappers a ts-morph walk creates, so each rep pays what a real scan pays.
  if (walker === 'ts-morph') project.forgetNodesCreatedInBlock(run);
  else run();
  return { ms: performance.now() - t0, sites };
}

const n = arg('--plugins', 200);
const reps = arg('--reps', 5);
const files = generate(n);
console.log(`static scan: ${n} generated plugin modules, ${reps} warm reps (best of), Node ${process.version}`);

// Cold: a fresh Project per scan; the first scan includes the type checker's work. Order
// ABBA (best of two per walker) so neither walker alone pays the process's JIT warm-up.
const cold: Record<ScanWalker, number> = { compiler: Infinity, 'ts-morph': Infinity };
for (const walker of ['ts-morph', 'compiler', 'compiler', 'ts-morph'] as const) {
  const t0 = performance.now();
  const { project, sources } = loadProject(files);
  const load = performance.now() - t0;
  const ms = timeScan(walker, project, sources).ms;
  cold[walker] = Math.min(cold[walker], ms);
  console.log(`  cold ${walker.padEnd(8)}  project load ${load.toFixed(0).padStart(6)} ms   first scan ${ms.toFixed(0).padStart(6)} ms`);
}

// Warm: one Project, checker caches filled by a first full scan, walks interleaved.
const { project, sources } = loadProject(files);
const reference = timeScan('compiler', project, sources);
const best: Record<ScanWalker, number> = { compiler: Infinity, 'ts-morph': Infinity };
for (let r = 0; r < reps; r++) {
  for (const walker of r % 2 === 0 ? (['ts-morph', 'compiler'] as const) : (['compiler', 'ts-morph'] as const)) {
    const t = timeScan(walker, project, sources);
    if (t.sites !== reference.sites) throw new Error(`${walker} walk found ${t.sites} sites, expected ${reference.sites}`);
    best[walker] = Math.min(best[walker], t.ms);
  }
}
console.log(`  warm compiler-node walk  ${best.compiler.toFixed(1).padStart(8)} ms   (${((best.compiler * 1000) / n).toFixed(0)} µs per plugin, ${reference.sites} access sites)`);
console.log(`  warm ts-morph-node walk  ${best['ts-morph'].toFixed(1).padStart(8)} ms   (${((best['ts-morph'] * 1000) / n).toFixed(0)} µs per plugin)`);
console.log(`  ratio ts-morph / compiler: warm ${(best['ts-morph'] / best.compiler).toFixed(2)}×, cold first scan ${(cold['ts-morph'] / cold.compiler).toFixed(2)}×`);
