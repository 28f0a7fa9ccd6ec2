/**
 * synth streams in constant memory. Each size runs in its own child process; reported per
 * run: write rate, peak RSS (process.resourceUsage().maxRSS) and the live heap after a forced
 * GC at the end. Two passes, default 200k vs 2M rows:
 *
 *  - default V8 flags: peak RSS includes V8's young-generation sizing — Node 24 grows the new
 *    space (up to 128 MB measured) while a fast allocator runs, which a short run never
 *    reaches, so the small run looks cheaper than the steady state even though the live heap
 *    is the same (~15 MB, printed);
 *  - new space capped (--max-semi-space-size=16, V8's classic size): peak RSS then tracks
 *    what the generator keeps, which is what "constant memory" is about.
 *
 * Output goes to bench/.out/synth/ (gitignored) and is deleted afterwards.
 *
 *  Then 10M rows with default flags (the size): its peak RSS against the 2M run shows
 *  the steady state does not move with the row count.
 *
 *   node bench/synth.bench.ts [--small 200000] [--large 2000000] [--huge 10000000 | --huge 0]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeLog } from '../src/dataset/index.ts';

const OUT = fileURLToPath(new URL('./.out/synth/', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CAPPED = ['--max-semi-space-size=16'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

interface ChildResult {
  rows: number;
  bytes: number;
  seconds: number;
  maxRssMb: number;
  liveHeapMb: number;
}

function child(rows: number): void {
  mkdirSync(OUT, { recursive: true });
  const out = join(OUT, `log-${rows}-${process.pid}.csv`);
  const t = performance.now();
  const r = synthesizeLog({ rows, seed: 1, out });
  const seconds = (performance.now() - t) / 1000;
  const bytes = statSync(out).size;
  rmSync(out, { force: true });
  rmSync(r.truthPath, { force: true });
  (globalThis as { gc?: () => void }).gc?.();
  const result: ChildResult = { rows: r.rows, bytes, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, liveHeapMb: process.memoryUsage().heapUsed / 2 ** 20 };
  process.stdout.write(JSON.stringify(result));
}

function run(rows: number, flags: string[]): ChildResult {
  const r = spawnSync(process.execPath, ['--expose-gc', ...flags, SELF, '--child', String(rows)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child (${flags.join(' ') || 'default flags'}, ${rows} rows) failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

if (process.argv[2] === '--child') {
  child(Number(process.argv[3]));
} else {
  const small = arg('--small', 200_000);
  const large = arg('--large', 2_000_000);
  const huge = arg('--huge', 10_000_000);
  const line = (r: ChildResult): string =>
    `  ${r.rows.toLocaleString('en-US').padStart(11)} rows: ${(r.bytes / 2 ** 20).toFixed(0).padStart(5)} MB in ${r.seconds.toFixed(1)} s ` +
    `(${Math.round(r.rows / r.seconds).toLocaleString('en-US')} rows/s), peak RSS ${r.maxRssMb.toFixed(0)} MB, live heap after GC ${r.liveHeapMb.toFixed(1)} MB`;
  process.stdout.write('synth bench (child process per run, peak RSS = resourceUsage().maxRSS):\n');
  for (const [label, flags] of [
    ['default V8 flags', []],
    [`new space capped (${CAPPED.join(' ')})`, CAPPED],
  ] as const) {
    const a = run(small, [...flags]);
    const b = run(large, [...flags]);
    const ratio = b.maxRssMb / a.maxRssMb;
    process.stdout.write(`${label}:\n${line(a)}\n${line(b)}\nRATIO peak RSS synth ${large}/${small} rows, ${label} = ${ratio.toFixed(2)}\n`);
    if (flags.length === 0 && huge > 0) {
      const c = run(huge, []);
      process.stdout.write(`${line(c)}\nRATIO peak RSS synth ${huge}/${large} rows, ${label} = ${(c.maxRssMb / b.maxRssMb).toFixed(2)}\n`);
    }
  }
}
