/**
 * Runner overhead and RSS telemetry (issue 3, "Performance").
 *
 * 1. 20 no-op plugins through the real runner (one sandboxed process each, pool = cores)
 *    vs the same 20 run() functions imported and called in this process. Target: the runner
 *    costs at most 1.5 s more. Discovery (one describe process) is reported separately, as
 *    start-up, per DESIGN.md.
 * 2. A fixture plugin that allocates and touches ~300 MB: the reported peak RSS (whole
 *    process, and above the process's own baseline before run()) vs 300 MB. Target ±20%.
 *
 * 3. Protocol line reading: one 16/32/64 MB line through the runner's LineSplitter and the
 *    child's readLineSync vs the previous concat-and-rescan implementations (reproduced below
 *    as the baseline, measured in the same run). Target: linear (time per MB flat).
 *
 * Uses the built runner (dist/, what the CLI runs) when present, else the sources.
 * Run: node bench/runner.bench.ts   (or npm run bench -- runner)
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as PluginsApi from '../src/plugins/index.ts';
import type * as ProtocolModule from '../src/plugins/protocol.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'bench/.out/runner');
const N = 20;
const ROUNDS = 3;
const useDist = existsSync(join(ROOT, 'dist/plugins/index.js'));
const api = (await import(useDist ? pathToFileURL(join(ROOT, 'dist/plugins/index.js')).href : '../src/plugins/index.ts')) as typeof PluginsApi;
const CONFIG = { largeRows: 1_000_000, timezone: 'UTC', closeWindow: { startDay: 20, endDay: 5 } };

rmSync(OUT, { recursive: true, force: true });
const pluginDir = join(OUT, 'noop-plugins');
mkdirSync(pluginDir, { recursive: true });
for (let i = 0; i < N; i++) {
  const id = `noop_${String(i).padStart(2, '0')}`;
  // What an external author writes: plain JS importing the SDK by package name.
  writeFileSync(
    join(pluginDir, `${id}.mjs`),
    `import { definePlugin } from 'stat-harness';
export default definePlugin({ id: '${id}', version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'orchestration_only',
  run() { return { status: 'ok', summary: 'nothing', metrics: {}, findings: [], recommendations: [] }; } });
`,
  );
}

const ms = (t: number): string => `${t.toFixed(0)} ms`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- 1. overhead ----
let t = performance.now();
const plugins = await api.discoverPlugins({ dirs: [pluginDir], builtin: false });
const discoveryMs = performance.now() - t;

const inProcess: number[] = [];
const runner: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  t = performance.now();
  for (const p of plugins) {
    // A fresh module instance per round, as each plugin process gets (query string busts the cache).
    const mod = (await import(`${pathToFileURL(p.file).href}?round=${round}`)) as { default: PluginsApi.PluginDefinition };
    const result = await mod.default.run({} as PluginsApi.PluginContext);
    if (result.status !== 'ok') throw new Error('in-process run failed');
  }
  inProcess.push(performance.now() - t);

  t = performance.now();
  const records = await api.runPlugins({ plugins, dataset: null, seed: 0, config: CONFIG, artifactsRoot: join(OUT, `artifacts-${round}`), timeoutMs: 60_000, memoryMb: 512 });
  runner.push(performance.now() - t);
  const bad = records.filter((r) => r.result.status !== 'ok');
  if (bad.length > 0) throw new Error(`runner: ${bad.map((r) => `${r.plugin.manifest.id}: ${r.result.reason}`).join('; ')}`);
}
const inMs = median(inProcess);
const runMs = median(runner);
console.log(`runner overhead — ${N} no-op plugins, ${useDist ? 'dist' : 'src'} runner, jobs = ${availableParallelism()} cores, median of ${ROUNDS}`);
console.log(`  discovery (one sandboxed describe process, start-up):  ${ms(discoveryMs)}`);
console.log(`  in-process (import + run() each):                      ${ms(inMs)}   rounds: ${inProcess.map(ms).join(', ')}`);
console.log(`  runner (one sandboxed process each):                   ${ms(runMs)}   rounds: ${runner.map(ms).join(', ')}`);
console.log(`  difference: ${ms(runMs - inMs)} (target ≤ 1500 ms: ${runMs - inMs <= 1500 ? 'met' : 'NOT met'}); ${((runMs - inMs) / N).toFixed(0)} ms per plugin`);

// ---- 2. peak RSS telemetry ----
// The TypeScript fixture (type stripping adds ~30 MiB to the process) and the same plugin in
// plain JavaScript, as a built plugin package would ship it.
const jsDir = join(OUT, 'alloc-js');
mkdirSync(jsDir, { recursive: true });
writeFileSync(
  join(jsDir, 'alloc_js.mjs'),
  `import { definePlugin } from 'stat-harness';
export default definePlugin({ id: 'alloc_js', version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'orchestration_only',
  run() { const buf = Buffer.alloc(300 * 1024 * 1024, 1); let s = 0; for (let i = 0; i < buf.length; i += 4096) s += buf[i];
    return { status: 'ok', summary: String(s), metrics: {}, findings: [], recommendations: [] }; } });
`,
);
const fixtures = await api.discoverPlugins({ dirs: [join(ROOT, 'fixtures/plugins/runtime'), jsDir], builtin: false });
const target = 300 * 1024 * 1024;
process.env['STAT_HARNESS_TEST_ALLOC_MB'] = '300';
const measure = async (id: string): Promise<PluginsApi.ExecutionRecord> => {
  const [r] = await api.runPlugins({ plugins: api.selectPlugins(fixtures, [id]), dataset: null, seed: 0, config: CONFIG, artifactsRoot: join(OUT, 'artifacts-rss'), timeoutMs: 60_000, memoryMb: 2048 });
  if (r!.result.status !== 'ok') throw new Error(`${id} failed: ${r!.result.reason}`);
  return r!;
};
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const within = (x: number): string => (Math.abs(x / target - 1) <= 0.2 ? 'within ±20%' : 'OUTSIDE ±20%');
console.log('peak RSS telemetry — a plugin allocating and touching 300 MiB (telemetry: peak_rss_bytes, plugin_rss_bytes)');
for (const [label, id] of [
  ['TypeScript fixture (fixtures/plugins/runtime/allocates_300mb.ts)', 'fixture_allocates_300mb'],
  ['same plugin in JavaScript (.mjs)', 'alloc_js'],
] as const) {
  const r = await measure(id);
  console.log(`  ${label}`);
  console.log(`    process peak RSS:            ${mb(r.peakRssBytes)}  (${(r.peakRssBytes / target).toFixed(2)}× of 300 MiB, ${within(r.peakRssBytes)})`);
  console.log(`    above the process baseline:  ${mb(r.pluginRssBytes)}  (${(r.pluginRssBytes / target).toFixed(2)}× of 300 MiB, ${within(r.pluginRssBytes)})`);
}
const n = await measure('fixture_noop');
console.log(`  no-op TypeScript plugin process peak RSS: ${mb(n.peakRssBytes)} (the sandboxed process's own footprint)`);

// ---- 3. protocol line reading ----
const protocol = (await import(useDist ? pathToFileURL(join(ROOT, 'dist/plugins/protocol.js')).href : '../src/plugins/protocol.ts')) as typeof ProtocolModule;
const CHUNK = 64 * 1024;
/** The previous parent-side splitter: the whole pending string re-split on every chunk. */
const oldSplit = (chunks: Buffer[]): number => {
  let buffer = '';
  let n = 0;
  for (const c of chunks) {
    buffer += c.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    n += lines.filter((l) => l.length > 0).length;
  }
  return n;
};
const newSplit = (chunks: Buffer[]): number => {
  const splitter = new protocol.LineSplitter(Number.MAX_SAFE_INTEGER);
  let n = 0;
  for (const c of chunks) n += splitter.push(c).length;
  return n;
};
/** The previous child-side reader: concat the pending buffer with each chunk and rescan it. */
const oldRead = (fd: number): string => {
  let pending = Buffer.alloc(0);
  const chunk = Buffer.alloc(CHUNK);
  for (;;) {
    const nl = pending.indexOf(10);
    if (nl >= 0) return pending.subarray(0, nl).toString('utf8');
    const got = readSync(fd, chunk, 0, chunk.length, null);
    if (got === 0) throw new Error('eof');
    pending = Buffer.concat([pending, chunk.subarray(0, got)]);
  }
};
console.log('protocol line reading — one line of N MB in 64 KiB chunks (previous implementation measured in this run as the baseline)');
for (const sizeMb of [16, 32, 64]) {
  const line = Buffer.alloc(sizeMb * 1024 * 1024, 0x61);
  const chunks: Buffer[] = [];
  for (let i = 0; i < line.length; i += CHUNK) chunks.push(line.subarray(i, i + CHUNK));
  chunks.push(Buffer.from('\n'));
  const file = join(OUT, `line-${sizeMb}.txt`);
  writeFileSync(file, Buffer.concat(chunks));
  const time = (f: () => unknown): number => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const splitOld = time(() => oldSplit(chunks));
  const splitNew = time(() => newSplit(chunks));
  const readWith = (read: (fd: number) => string): number => {
    const fd = openSync(file, 'r');
    try {
      return time(() => read(fd));
    } finally {
      closeSync(fd);
    }
  };
  const readOld = readWith(oldRead);
  const readNew = readWith((fd) => protocol.readLineSync(fd, Number.MAX_SAFE_INTEGER));
  console.log(
    `  ${String(sizeMb).padStart(2)} MB  parent splitter: ${ms(splitOld)} → ${ms(splitNew)} (${(splitOld / splitNew).toFixed(0)}× faster)   child reader: ${ms(readOld)} → ${ms(readNew)} (${(readOld / readNew).toFixed(0)}× faster)`,
  );
}

rmSync(OUT, { recursive: true, force: true });
