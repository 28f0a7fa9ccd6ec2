/**
 * Atomicity: an ingest killed mid-way (kill -9, or SIGINT) leaves the store exactly as it was:
 * integrity_check ok, same datasets, no half-written tables, and the store stays writable.
 * The child is the real binary on a file big enough to be interrupted while it writes.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { ingestFile } from '../../src/dataset/index.ts';
import { BIN, ROOT, tempDir } from '../helpers/cli.ts';

function bigCsv(path: string, rows: number): void {
  const parts = ['PROCESS_QUEUE_ID,PROCESS_ID,STATUS_CD,QUEUE_DT,START_DT,END_DT,PARAM_DESCR_LIST\n'];
  for (let i = 0; i < rows; i++) {
    const m = String(1 + (i % 12)).padStart(2, '0');
    parts.push(`${i},P${i % 97},COMPLETED,2025-${m}-10 10:00:00,2025-${m}-10 10:00:05,2025-${m}-10 10:09:00,A=${i};B=${i % 7};C=x=y\n`);
  }
  writeFileSync(path, parts.join(''));
}

function storeState(store: string): { integrity: unknown; datasets: unknown; tables: unknown } {
  const db = new Database(store, { readonly: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      datasets: db.prepare('SELECT id, fingerprint, row_count FROM datasets ORDER BY id').all(),
      tables: db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index') ORDER BY name").pluck().all(),
    };
  } finally {
    db.close();
  }
}

async function interrupt(signal: NodeJS.Signals): Promise<void> {
  const dir = tempDir();
  const config = loadConfig({ cwd: dir, env: {} });
  await ingestFile(config, { file: join(ROOT, 'fixtures/ingest/good.csv') });
  const before = storeState(config.store);
  const big = join(dir, 'big.csv');
  bigCsv(big, 250_000);
  const child = spawn(process.execPath, [BIN.statHarness, 'ingest', big], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, sig) => res({ code, signal: sig })));
  // Wait until the transaction is visibly writing (the WAL grows), then interrupt.
  const wal = `${config.store}-wal`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (existsSync(wal) && statSync(wal).size > 8 * 1024 * 1024) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill(signal);
  const exit = await exited;
  // Interrupted, not finished: killed by the signal (SIGINT: Node's default handler also dies by it).
  expect(exit.signal ?? `exit ${exit.code}: ${stderr}`).toBe(signal);
  expect(storeState(config.store)).toEqual(before);
  // The store is still writable and the next id is the next one.
  const next = await ingestFile(config, { file: join(ROOT, 'fixtures/ingest/local-times.csv') });
  expect(next.dataset.id).toBe(2);
}

describe('an interrupted ingest leaves the store as it was', () => {
  it('kill -9 mid-ingest', async () => {
    await interrupt('SIGKILL');
  });

  it('SIGINT mid-ingest', async () => {
    await interrupt('SIGINT');
  });
});
