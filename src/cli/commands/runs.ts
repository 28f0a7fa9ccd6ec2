/** `stat-harness runs list|show <id>`: run history from the runs store. */
import type { Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { parseStrictInteger } from '../../common/parse.ts';
import { openStore } from '../../dataset/index.ts';
import { getExecutions, getRun, listRuns, prepareRunsStore, selectReferenceRun } from '../../runs/index.ts';
import { action, configFor, parseFormat } from '../shared.ts';

export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('list and inspect recorded runs');
  runs
    .command('list')
    .description('recorded runs, newest first')
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--format <text|json>', 'output format', 'text')
    .action(
      action((flags: { limit: string; format: string }, cmd: Command) => {
        const format = parseFormat(flags.format, ['text', 'json'] as const);
        const limit = parseStrictInteger(flags.limit);
        if (limit === undefined || limit < 1) throw new HarnessError('usage', `--limit must be an integer >= 1; got "${flags.limit}"`);
        const config = configFor(cmd);
        const db = openStore(config.store, { create: false });
        try {
          prepareRunsStore(db);
          const rows = listRuns(db, { limit });
          if (format === 'json') {
            process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
            return 0;
          }
          if (rows.length === 0) {
            process.stdout.write('no runs recorded yet (stat-harness run --dataset <id>)\n');
            return 0;
          }
          const table = formatTable(
            ['id', 'status', 'started', 'dataset', 'seed', 'plugins', 'known issues'],
            rows.map((r) => [String(r.id), r.status, r.startedAt, `${r.datasetName} (${r.datasetId})`, String(r.seed), String(r.pluginIds.length), r.knownIssuesMode]),
            new Set([0, 4, 5]),
          );
          process.stdout.write(`${table.join('\n')}\n`);
          return 0;
        } finally {
          db.close();
        }
      }),
    );
  runs
    .command('show <id>')
    .description('one run: its settings and every plugin execution with status, exit reason and telemetry')
    .option('--format <text|json>', 'output format', 'text')
    .action(
      action((id: string, flags: { format: string }, cmd: Command) => {
        const format = parseFormat(flags.format, ['text', 'json'] as const);
        const config = configFor(cmd);
        const db = openStore(config.store, { create: false });
        try {
          prepareRunsStore(db);
          const run = getRun(db, id);
          const reference = selectReferenceRun(db, run.id);
          const executions = getExecutions(db, run.id).map(({ result, stdoutTail, stderrTail, ...e }) => ({
            ...e,
            summary: result.summary,
            findings: result.findings.length,
            recommendations: result.recommendations.length,
            stdoutTail,
            stderrTail,
          }));
          if (format === 'json') {
            process.stdout.write(`${JSON.stringify({ ...run, referenceRun: { runId: reference.reference?.id ?? null, reason: reference.reason }, executions }, null, 2)}\n`);
            return 0;
          }
          const out: string[] = [
            `run ${run.id}  ${run.status}${run.failure ? ` (${run.failure})` : ''}`,
            `  dataset        ${run.datasetName} (${run.datasetId}) fingerprint ${run.datasetFingerprint.slice(0, 16)}`,
            `  seed           ${run.seed}`,
            `  known issues   ${run.knownIssuesMode}`,
            `  started/ended  ${run.startedAt} / ${run.endedAt ?? '-'}`,
            `  reports        ${run.outDir ?? '-'}`,
            `  reference run  ${reference.reference ? reference.reference.id : `none: ${reference.reason}`}`,
            '',
            '  plugin                              status    exit reason       wall      cpu       peak RSS',
          ];
          for (const e of executions) {
            out.push(
              `  ${e.pluginId.padEnd(36)}${e.status.padEnd(10)}${e.exitReason.padEnd(18)}${`${e.wallMs} ms`.padEnd(10)}${`${e.cpuMs} ms`.padEnd(10)}${(e.peakRssBytes / 1024 / 1024).toFixed(0)} MB`,
            );
            if (e.reason) out.push(`      ${e.reason}`);
            for (const v of e.contractViolations) out.push(`      contract: ${v}`);
          }
          process.stdout.write(`${out.join('\n')}\n`);
          return 0;
        } finally {
          db.close();
        }
      }),
    );
}

/**
 * A plain-text table whose columns are as wide as their widest cell (header included), two
 * spaces apart; `rightAligned` columns (numbers) are padded on the left. No trailing spaces.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => (rightAligned.has(i) ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}
