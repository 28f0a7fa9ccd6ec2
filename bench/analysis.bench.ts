/**
 * Built-in analysis plugins benchmark, all figures from one run:
 *
 *  for each plugin, in a fresh child process on the Arrow accessor (what the sandbox uses):
 *    (a) a bare iterBatches pass over the columns the plugin reads     ← baseline
 *    (b) the plugin's run(ctx)                                          ratio (b)/(a)
 *  at two sizes (default 200k and 1M rows), with the child's peak RSS at each size: the
 *  plugins claim flat memory, so RSS(1M)/RSS(200k) should stay near the baseline's own ratio.
 *  Child start-up and imports are measured separately and excluded (run() is timed alone).
 *  Finally each plugin runs on the larger dataset under a small V8 heap cap
 *  (--max-old-space-size=HEAP_CAP_MB): a plugin holding per-row state would not finish.
 *
 * Datasets are made the real way (synth → ingestFile → ensureDatasetArrowFile) and cached
 * under bench/.out/analysis/ (gitignored).
 *
 *   node bench/analysis.bench.ts [--small 200000] [--rows 1000000]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.ts';
import { createArrowAccessor, createSqliteAccessor, ensureDatasetArrowFile, ingestFile, openStore, synthesizeLog, type DatasetInfo } from '../src/dataset/index.ts';
import type { PluginContext, PluginDefinition } from '../src/plugins/index.ts';

const OUT = fileURLToPath(new URL('./.out/analysis/', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** Plugin file → the columns it streams (the baseline scans the same ones). */
const PLUGINS: Record<string, string[]> = {
  batch_input_clusters: ['process_id', 'queue_dt', 'params'],
  duplicate_runs: ['process_queue_id', 'process_id', 'status', 'queue_dt', 'start_dt', 'end_dt', 'params', 'user_id', 'schedule_id'],
  failing_process: ['process_id', 'status', 'queue_dt', 'start_dt', 'end_dt', 'params'],
  slow_machine: ['process_id', 'assigned_machine_id', 'status', 'start_dt', 'end_dt'],
  close_peak_queueing: ['process_id', 'queue_dt', 'start_dt', 'dep_id', 'parent_id'],
};

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

interface Prepared {
  arrowPath: string;
  infoPath: string;
}

async function prepare(rows: number): Promise<Prepared> {
  const dir = join(OUT, String(rows));
  const arrowPath = join(dir, 'arrow-path.txt');
  const infoPath = join(dir, 'info.json');
  const cachedStore = join(dir, 'harness.db');
  if (existsSync(arrowPath) && existsSync(infoPath) && existsSync(cachedStore)) {
    // Re-ensure: a cached file of an older Arrow layout is rebuilt under its new name.
    const db = openStore(cachedStore);
    const arrow = ensureDatasetArrowFile(db, cachedStore, 1);
    db.close();
    return { arrowPath: arrow, infoPath };
  }
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`preparing ${rows} rows under ${dir} …\n`);
  const csv = join(dir, 'log.csv');
  synthesizeLog({ rows, seed: 1, out: csv, months: 6 });
  const config = { ...loadConfig({ cwd: dir, env: {} }), store: join(dir, 'harness.db') };
  const r = await ingestFile(config, { file: csv });
  const db = openStore(config.store);
  const arrow = ensureDatasetArrowFile(db, config.store, r.dataset.id);
  const acc = createSqliteAccessor({ db, datasetId: r.dataset.id, pluginId: 'bench', largeRows: 1_000_000_000, streamingStrict: false, allowUnboundedLoad: false });
  writeFileSync(infoPath, JSON.stringify(acc.info()));
  acc.close();
  db.close();
  writeFileSync(arrowPath, arrow);
  return { arrowPath: arrow, infoPath };
}

interface ChildResult {
  importMs: number;
  runMs: number;
  maxRssMiB: number;
  rows: number;
  status: string;
}

/** Child: import, then time one run (plugin or bare scan), report peak RSS. */
async function child(mode: 'plugin' | 'scan', name: string, arrowPath: string, infoPath: string): Promise<void> {
  const t0 = performance.now();
  const info = JSON.parse(readFileSync(infoPath, 'utf8')) as DatasetInfo;
  const mod = (await import(new URL(`../src/plugins/builtin/${name}.ts`, import.meta.url).href)) as { default: PluginDefinition };
  const dataset = createArrowAccessor({ arrowPath, info, pluginId: mod.default.id, largeRows: 1_000_000_000, streamingStrict: false, allowUnboundedLoad: false });
  const importMs = performance.now() - t0;
  const t1 = performance.now();
  let status = 'scan';
  let rows = 0;
  if (mode === 'scan') {
    for (const b of dataset.iterBatches({ columns: PLUGINS[name]! })) rows += b.length;
  } else {
    const ctx: PluginContext = {
      dataset,
      config: { largeRows: 1_000_000_000, timezone: 'UTC', closeWindow: { startDay: 20, endDay: 5 }, plugin: {} },
      seed: 0,
      results: () => undefined,
      artifacts: OUT,
      log: { info: () => {}, warn: () => {} },
    };
    const r = await mod.default.run(ctx);
    status = r.status;
    rows = info.rowCount;
  }
  const runMs = performance.now() - t1;
  process.stdout.write(JSON.stringify({ importMs, runMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, rows, status } satisfies ChildResult));
}

const HEAP_CAP_MB = 96;

function spawnChild(mode: 'plugin' | 'scan', name: string, p: Prepared, nodeArgs: string[] = []): ChildResult {
  const r = spawnSync(process.execPath, [...nodeArgs, SELF, '--child', mode, name, p.arrowPath, p.infoPath], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${mode} ${name} failed (${r.status ?? r.signal}): ${r.stderr.split('\n').slice(0, 3).join(' | ')}`);
  return JSON.parse(r.stdout) as ChildResult;
}

async function main(): Promise<void> {
  const ci = process.argv.indexOf('--child');
  if (ci >= 0) {
    const [mode, name, arrowPath, infoPath] = process.argv.slice(ci + 1) as ['plugin' | 'scan', string, string, string];
    return child(mode, name, arrowPath, infoPath);
  }
  const small = arg('--small', 200_000);
  const big = arg('--rows', 1_000_000);
  const sizes = [small, big];
  const prepared = await Promise.all(sizes.map((n) => prepare(n)));
  const pad = (s: string, n: number) => s.padEnd(n);
  process.stdout.write(`\n${pad('plugin', 22)}${pad('rows', 10)}${pad('scan ms', 10)}${pad('run ms', 10)}${pad('run/scan', 10)}${pad('scan RSS', 11)}${pad('run RSS', 10)}${pad('status', 8)}import ms\n`);
  const rss: Record<string, number[]> = {};
  for (const name of Object.keys(PLUGINS)) {
    sizes.forEach((n, i) => {
      const scan = spawnChild('scan', name, prepared[i]!);
      const run = spawnChild('plugin', name, prepared[i]!);
      (rss[name] ??= []).push(run.maxRssMiB, scan.maxRssMiB);
      process.stdout.write(
        `${pad(name, 22)}${pad(String(n), 10)}${pad(scan.runMs.toFixed(0), 10)}${pad(run.runMs.toFixed(0), 10)}${pad(`${(run.runMs / scan.runMs).toFixed(2)}×`, 10)}${pad(`${scan.maxRssMiB.toFixed(0)} MiB`, 11)}${pad(`${run.maxRssMiB.toFixed(0)} MiB`, 10)}${pad(run.status, 8)}${run.importMs.toFixed(0)}\n`,
      );
    });
  }
  process.stdout.write(`\nunder --max-old-space-size=${HEAP_CAP_MB} on ${big} rows:\n`);
  for (const name of Object.keys(PLUGINS)) {
    let outcome: string;
    try {
      const r = spawnChild('plugin', name, prepared[1]!, [`--max-old-space-size=${HEAP_CAP_MB}`]);
      outcome = `${r.status} in ${r.runMs.toFixed(0)} ms, peak RSS ${r.maxRssMiB.toFixed(0)} MiB`;
    } catch (err) {
      outcome = `FAILED: ${(err as Error).message}`;
    }
    process.stdout.write(`  ${pad(name, 22)} ${outcome}\n`);
  }
  process.stdout.write(`\npeak RSS ${big} rows / ${small} rows (flat memory ≈ the bare scan's own ratio):\n`);
  for (const [name, v] of Object.entries(rss)) {
    const [runSmall, scanSmall, runBig, scanBig] = v as [number, number, number, number];
    process.stdout.write(`  ${pad(name, 22)} plugin ${(runBig / runSmall).toFixed(2)}×   bare scan ${(scanBig / scanSmall).toFixed(2)}×\n`);
  }
}

await main();
