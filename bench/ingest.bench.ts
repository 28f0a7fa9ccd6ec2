/**
 * Ingest benchmark (issue 2, first performance target):
 *   (a) baseline = csv-parse alone + raw better-sqlite3 prepared inserts of the same rows into
 *       a plain table, one transaction;
 *   (b) ingestFile end to end into a fresh store (mapping, timestamps, params table,
 *       fingerprint, indexes, one transaction).
 * Both run in this process after imports, on the same generated 1M-row ERP-style CSV under
 * bench/.out/. Also measured: building the dataset's Arrow file (ensureDatasetArrowFile),
 * which the ingest leaves to first use. `BENCH_ROWS=200000 node bench/ingest.bench.ts` for a
 * quicker run.
 */
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Parser } from 'csv-parse';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/index.ts';
import { ensureDatasetArrowFile, ingestFile, openStore } from '../src/dataset/index.ts';

const OUT = fileURLToPath(new URL('./.out/', import.meta.url));
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
mkdirSync(OUT, { recursive: true });

/** Deterministic ERP-style log (LCG, no Math.random): 14 columns, ~5 params per row. */
function generate(path: string, rows: number): void {
  if (existsSync(path)) return;
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pad = (n: number): string => String(n).padStart(2, '0');
  const fmt = (ms: number): string => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  };
  const fd = openSync(path, 'w');
  let buf = 'PROCESS_QUEUE_ID,PROCESS_ID,STATUS_CD,LOCAL_MACHINE_ID,ASSIGNED_MACHINE_ID,QUEUE_DT,START_DT,END_DT,PARAM_DESCR_LIST,USER_ID,MASTER_PROCESS_QUEUE_ID,PARENT_PROCESS_QUEUE_ID,DEP_PROCESS_QUEUE_ID,SCHEDULE_ID\n';
  const t0 = Date.UTC(2025, 0, 1);
  const statuses = ['COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED', 'CANCELLED'];
  for (let i = 0; i < rows; i++) {
    const q = t0 + i * 15_000 + rnd(10_000);
    const s = q + rnd(600_000);
    const e = s + 1000 + rnd(3_600_000);
    const proc = `PRC_${rnd(400)}`;
    const params = `COMPANY=${rnd(20)};PERIOD=2025-${pad(1 + rnd(12))};BATCH_KEY=K${rnd(5000)};MODE=${rnd(3) === 0 ? 'FULL' : 'DELTA'};FILTER=a=b`;
    buf += `${100000 + i},${proc},${statuses[rnd(5)]},LM${rnd(8)},AM${rnd(12)},${fmt(q)},${fmt(s)},${fmt(e)},"${params}",U${rnd(300)},${i > 0 && rnd(4) === 0 ? 100000 + i - 1 : ''},${i > 0 && rnd(3) === 0 ? 100000 + i - 1 : ''},,SCH${rnd(50)}\n`;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

interface Timed {
  ms: number;
  cpuMs: number;
}

async function baseline(csv: string, dbPath: string): Promise<Timed> {
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}-wal`, { force: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  const c = process.cpuUsage();
  const t = performance.now();
  db.exec(`CREATE TABLE raw (${Array.from({ length: 14 }, (_, i) => `c${i} TEXT`).join(', ')})`);
  const insert = db.prepare(`INSERT INTO raw VALUES (${Array.from({ length: 14 }, () => '?').join(',')})`);
  db.exec('BEGIN');
  let header = true;
  let n = 0;
  const parser = createReadStream(csv).pipe(new Parser({ bom: true }));
  for await (const rec of parser as AsyncIterable<string[]>) {
    if (header) {
      header = false;
      continue;
    }
    insert.run(rec);
    n++;
  }
  db.exec('COMMIT');
  // Closing checkpoints the WAL into the database file; ingestFile's time includes its close too.
  db.close();
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(c);
  if (n !== ROWS) throw new Error(`baseline read ${n} rows`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function ours(csv: string, dir: string): Promise<Timed & { rows: number; phases: string; store: string; datasetId: number }> {
  rmSync(dir, { recursive: true, force: true });
  const config = loadConfig({ cwd: fileURLToPath(new URL('..', import.meta.url)) });
  config.store = `${dir}/harness.db`;
  const c = process.cpuUsage();
  const t = performance.now();
  const r = await ingestFile(config, { file: csv, name: 'bench' });
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(c);
  const p = r.phases;
  const phases = `read+normalize+insert ${(p.readMs / 1000).toFixed(2)} s, indexes ${(p.indexMs / 1000).toFixed(2)} s, fingerprint ${(p.fingerprintMs / 1000).toFixed(2)} s, commit ${(p.commitMs / 1000).toFixed(2)} s`;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, rows: r.dataset.rowCount, phases, store: config.store, datasetId: r.dataset.id };
}

/** The dataset's Arrow file, which the ingest leaves to first use (measured separately). */
function arrowFile(store: string, datasetId: number): number {
  const db = openStore(store, { readonly: true });
  try {
    const t = performance.now();
    ensureDatasetArrowFile(db, store, datasetId);
    return performance.now() - t;
  } finally {
    db.close();
  }
}

const csv = `${OUT}ingest-${ROWS}.csv`;
const tg = performance.now();
generate(csv, ROWS);
const size = statSync(csv).size;
process.stdout.write(`input: ${csv} (${ROWS.toLocaleString('en-US')} rows, ${(size / 1e6).toFixed(1)} MB; generated/reused in ${((performance.now() - tg) / 1000).toFixed(1)} s)\n`);
// Interleaved rounds (default 3), best of each: one run's write-back, heap state or a burst
// of other load on a shared machine should not decide the ratio.
const gc = (globalThis as { gc?: () => void }).gc;
const bases: Timed[] = [];
const runs: Awaited<ReturnType<typeof ours>>[] = [];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
for (let round = 0; round < ROUNDS; round++) {
  gc?.();
  bases.push(await baseline(csv, `${OUT}baseline.db`));
  gc?.();
  runs.push(await ours(csv, `${OUT}ingest-store`));
}
const best = <T extends Timed>(xs: T[]): T => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
const base = best(bases);
const run = best(runs);
if (run.rows !== ROWS) throw new Error(`ingest stored ${run.rows} rows`);
const secs = (xs: Timed[]): string => xs.map((x) => (x.ms / 1000).toFixed(2)).join(' / ');
process.stdout.write(`baseline (csv-parse + prepared inserts, 1 transaction): ${(base.ms / 1000).toFixed(2)} s wall, ${(base.cpuMs / 1000).toFixed(2)} s CPU  (wall of the runs: ${secs(bases)})\n`);
process.stdout.write(`ingestFile end to end (fresh store):                  ${(run.ms / 1000).toFixed(2)} s wall, ${(run.cpuMs / 1000).toFixed(2)} s CPU  (wall of the runs: ${secs(runs)}; ${Math.round(ROWS / (run.ms / 1000)).toLocaleString('en-US')} rows/s)\n`);
process.stdout.write(`  phases of the best run: ${run.phases}\n`);
process.stdout.write(`ratio ingest / baseline: ${(run.ms / base.ms).toFixed(2)}x wall (target <= 2.00x), ${(run.cpuMs / base.cpuMs).toFixed(2)}x CPU (less sensitive to other load on the machine)\n`);
const last = runs[runs.length - 1]!;
const arrowMs = arrowFile(last.store, last.datasetId);
process.stdout.write(`arrow file on first use (ensureDatasetArrowFile):     ${(arrowMs / 1000).toFixed(2)} s (${((arrowMs / run.ms) * 100).toFixed(0)}% of the best ingest; not part of it)\n`);
process.stdout.write(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
rmSync(`${OUT}baseline.db`, { force: true });
rmSync(`${OUT}baseline.db-wal`, { force: true });
rmSync(`${OUT}baseline.db-shm`, { force: true });
rmSync(`${OUT}ingest-store`, { recursive: true, force: true });
