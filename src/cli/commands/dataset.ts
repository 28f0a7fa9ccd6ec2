/**
 * `ingest`, `info`, `export` (dataset layer). Wiring only: parse flags, call the dataset
 * layer's entry functions, print. Progress bars only on a TTY (stderr) without --quiet;
 * otherwise one summary line, or JSON with --json / --format json.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { HarnessError } from '../../common/errors.ts';
import { stableStringify } from '../../common/hash.ts';
import {
  EXPORT_FORMATS,
  exportDataset,
  ingestFile,
  openStore,
  parseMapFlags,
  readDatasetInfo,
  resolveDataset,
  type DatasetInfo,
  type Db,
  type IngestResult,
} from '../../dataset/index.ts';
import { action, configFor, globalOptions, parseFormat, showProgress } from '../shared.ts';

interface IngestFlags {
  format?: string;
  map: string[];
  tz?: string;
  name?: string;
  append?: string;
  json?: boolean;
}

interface InfoFlags {
  dataset?: string;
  format: string;
  json?: boolean;
}

interface ExportFlags {
  dataset?: string;
  format: string;
  out?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerDatasetCommands(program: Command): void {
  program
    .command('ingest')
    .description('ingest a job-queue log (CSV, JSONL or Arrow IPC) into the store as a new dataset version')
    .argument('<file>', 'the exported log')
    .option('--format <format>', 'input format: csv | jsonl | arrow (default: from the extension)')
    .option('--map <column=role>', 'map a source column onto a canonical role (repeatable; wins over config ingest.map)', collect, [])
    .option('--tz <zone>', 'IANA time zone of timestamps without an offset (default: config timezone, UTC)')
    .option('--name <name>', 'dataset name (default: the file name without extension)')
    .option('--append <dataset>', 'new version = this dataset (id or name) + the new rows, de-duplicated by queue id')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (file: string, flags: IngestFlags, cmd: Command) => {
        const g = globalOptions(cmd);
        const config = configFor(cmd);
        const bar = showProgress(g) && !flags.json ? new SingleBar({ format: 'ingest [{bar}] {percentage}% {value}/{total} MB', hideCursor: true }, undefined) : undefined;
        let result: IngestResult;
        try {
          result = await ingestFile(config, {
            file: resolve(file),
            ...(flags.format === undefined ? {} : { format: flags.format }),
            ...(flags.map.length === 0 ? {} : { map: parseMapFlags(flags.map) }),
            ...(flags.tz === undefined ? {} : { timezone: flags.tz }),
            ...(flags.name === undefined ? {} : { name: flags.name }),
            ...(flags.append === undefined ? {} : { append: flags.append }),
            ...(bar
              ? {
                  onProgress: (done: number, total: number) => {
                    if (!bar.isActive) bar.start(Math.max(1, Math.round(total / 1e6)), 0);
                    bar.update(Math.round(done / 1e6));
                  },
                }
              : {}),
          });
        } finally {
          bar?.stop();
        }
        if (flags.json) {
          // Phase timings are diagnostics: kept out of output that scripts may compare.
          const { phases: _phases, ...stable } = result;
          process.stdout.write(`${stableStringify(stable, 2)}\n`);
          return;
        }
        if (!g.quiet) for (const w of result.warnings.slice(result.noop ? 1 : 0)) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`${ingestSummary(result)}\n`);
      }),
    );

  program
    .command('info')
    .description('describe a dataset: rows, roles, time range, close months, data quality')
    .option('--dataset <dataset>', 'dataset id or name (default: the newest)')
    .option('--format <format>', 'text | json', 'text')
    .option('--json', 'same as --format json')
    .action(
      action((flags: InfoFlags, cmd: Command) => {
        const config = configFor(cmd);
        const format = flags.json ? 'json' : parseFormat(flags.format, ['text', 'json'] as const);
        const info = withStore(config.store, (db) => readDatasetInfo(db, pickDataset(db, flags.dataset), { largeRows: config.largeRows, closeWindow: config.closeWindow }));
        process.stdout.write(format === 'json' ? `${stableStringify(info, 2)}\n` : renderInfo(info));
      }),
    );

  program
    .command('export')
    .description('export a dataset\'s normalized table as Arrow IPC, CSV or JSONL (pandas, polars, DuckDB)')
    .option('--dataset <dataset>', 'dataset id or name (default: the newest)')
    .requiredOption('--format <format>', `output format: ${EXPORT_FORMATS.join(' | ')}`)
    .option('--out <file>', 'output file (default: standard output)')
    .action(
      action((flags: ExportFlags, cmd: Command) => {
        const g = globalOptions(cmd);
        const config = configFor(cmd);
        const format = parseFormat(flags.format, EXPORT_FORMATS);
        if (format === 'arrow' && flags.out === undefined && process.stdout.isTTY) {
          throw new HarnessError('usage', 'refusing to write a binary Arrow file to the terminal', { hint: 'add --out file.arrow, or redirect standard output' });
        }
        const result = withStore(config.store, (db) =>
          exportDataset(db, pickDataset(db, flags.dataset), { format, ...(flags.out === undefined ? {} : { out: resolve(flags.out) }) }),
        );
        if (result.out !== null && !g.quiet) process.stderr.write(`exported dataset ${result.datasetId}: ${result.rows.toLocaleString('en-US')} rows to ${result.out}\n`);
      }),
    );
}

function withStore<T>(store: string, fn: (db: Db) => T): T {
  const db = openStore(store, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The named/numbered dataset, or the newest one. */
function pickDataset(db: Db, ref: string | undefined): number {
  if (ref !== undefined) return resolveDataset(db, ref);
  const newest = db.prepare('SELECT max(id) AS id FROM datasets').get() as { id: number | null };
  if (newest.id === null) throw new HarnessError('unknown-dataset', 'the store holds no datasets yet', { hint: 'ingest one first: stat-harness ingest <file>' });
  return newest.id;
}

export function ingestSummary(r: IngestResult): string {
  const fp = `${r.dataset.fingerprint.slice(0, 16)}…`;
  if (r.noop) return `already ingested as dataset ${r.dataset.id} "${r.dataset.name}" (fingerprint ${fp}): nothing written`;
  const issues = Object.values(r.quality).reduce((n, q) => n + q.count, 0);
  const rows = r.dataset.rowCount.toLocaleString('en-US');
  const appended = r.parentId === null ? '' : ` (dataset ${r.parentId} + ${r.addedRows.toLocaleString('en-US')} new rows)`;
  return `ingested dataset ${r.dataset.id} "${r.dataset.name}": ${rows} rows${appended}, fingerprint ${fp}, ${issues} quality issue${issues === 1 ? '' : 's'}`;
}

export function renderInfo(info: DatasetInfo): string {
  const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
  const q = info.quality;
  const issue = (label: string, i: { count: number; lines: number[] }): string =>
    `  ${label.padEnd(24)} ${String(i.count).padStart(8)}${i.lines.length > 0 ? `  (lines ${i.lines.join(', ')}${i.lines.length >= 20 ? ', …' : ''})` : ''}\n`;
  return (
    `dataset ${info.id} "${info.name}"\n` +
    `  fingerprint   ${info.fingerprint}\n` +
    `  rows          ${info.rowCount.toLocaleString('en-US')}${info.largeDataset ? ' (large-dataset mode)' : ''}\n` +
    `  time zone     ${info.timezone}\n` +
    `  queued        ${iso(info.timeRange.minQueueDt)} .. ${iso(info.timeRange.maxQueueDt)}\n` +
    `  roles         ${info.roles.join(', ')}\n` +
    `  extra columns ${info.extraColumns.length === 0 ? '-' : info.extraColumns.join(', ')}\n` +
    `  processes     ${info.distinctProcesses.toLocaleString('en-US')}\n` +
    `  param keys    ${info.paramKeys}\n` +
    `  close months  ${info.closeMonths.length === 0 ? '-' : info.closeMonths.map((m) => `${m.month} (${m.rows.toLocaleString('en-US')})`).join(', ')}\n` +
    `data quality\n` +
    issue('end before start', q.endBeforeStart) +
    issue('malformed param pairs', q.malformedParams) +
    issue('cancelled before start', q.cancelledBeforeStart) +
    issue('missing start/end', q.missingTimestamps)
  );
}
