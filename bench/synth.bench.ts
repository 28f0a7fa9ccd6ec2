/**
 * synth streams in constant memory: peak RSS of `synthesizeLog` in a child process for a
 * small and a 10× larger log (default 200k vs 2M rows), their ratio (flat ≈ 1.0), and the
 * write rate. Output goes to bench/.out/synth/ (gitignored) and is deleted afterwards.
 *
 *   node bench/synth.bench.ts [--small 200000] [--large 2000000]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeLog } from '../src/dataset/index.ts';

const OUT = fileURLToPath(new URL('./.out/synth/', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

interface ChildResult {
  rows: number;
  bytes: number;
  seconds: number;
  startRssMb: number;
  maxRssMb: number;
}

function child(rows: number): void {
  mkdirSync(OUT, { recursive: true });
  const out = join(OUT, `log-${rows}.csv`);
  const startRssMb = process.memoryUsage().rss / 2 ** 20;
  const t = performance.now();
  const r = synthesizeLog({ rows, seed: 1, out });
  const seconds = (performance.now() - t) / 1000;
  const bytes = statSync(out).size;
  rmSync(out, { force: true });
  rmSync(r.truthPath, { force: true });
  const result: ChildResult = { rows: r.rows, bytes, seconds, startRssMb, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(result));
}

function run(rows: number): ChildResult {
  const r = spawnSync(process.execPath, [SELF, '--child', String(rows)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

if (process.argv[2] === '--child') {
  child(Number(process.argv[3]));
} else {
  const small = arg('--small', 200_000);
  const large = arg('--large', 2_000_000);
  const line = (r: ChildResult): string =>
    `  ${r.rows.toLocaleString('en-US').padStart(11)} rows: ${(r.bytes / 2 ** 20).toFixed(0).padStart(5)} MB written in ${r.seconds.toFixed(1)} s ` +
    `(${Math.round(r.rows / r.seconds).toLocaleString('en-US')} rows/s), peak RSS ${r.maxRssMb.toFixed(0)} MB (after imports ${r.startRssMb.toFixed(0)} MB)`;
  const a = run(small);
  const b = run(large);
  process.stdout.write(`synth bench (child process per size, peak RSS = resourceUsage().maxRSS):\n${line(a)}\n${line(b)}\n`);
  const ratio = b.maxRssMb / a.maxRssMb;
  process.stdout.write(`RATIO peak RSS synth ${large}/${small} rows = ${ratio.toFixed(2)} (flat: ${ratio <= 1.2 ? 'yes' : 'NO'})\n`);
}
