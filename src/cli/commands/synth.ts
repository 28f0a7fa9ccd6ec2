/** `stat-harness synth`: write a synthetic ERP queue log with planted patterns (wiring only). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { parseSynthInteger, synthesizeLog } from '../../dataset/index.ts';
import { action, globalOptions, showProgress } from '../shared.ts';

interface SynthFlags {
  rows: string;
  seed: string;
  out: string;
  start?: string;
  months?: string;
}

export function registerSynthCommand(program: Command): void {
  program
    .command('synth')
    .description('write a synthetic ERP queue log (CSV) with planted patterns; the ground truth goes to <out>.truth.json')
    .requiredOption('--rows <n>', 'number of rows (1000 .. 100000000)')
    .requiredOption('--seed <s>', 'PRNG seed (integer); the same seed writes the same bytes')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--start <YYYY-MM>', 'first month of the log', '2025-01')
    .option('--months <m>', 'number of months (2 .. 36)', '6')
    .action(
      action((flags: SynthFlags, cmd: Command) => {
        const g = globalOptions(cmd);
        const rows = parseSynthInteger('--rows', flags.rows);
        const bar = showProgress(g) ? new SingleBar({ format: 'synth [{bar}] {percentage}% {value}/{total} rows', hideCursor: true }) : undefined;
        bar?.start(rows, 0);
        let result;
        try {
          result = synthesizeLog({
            rows,
            seed: parseSynthInteger('--seed', flags.seed),
            out: resolve(flags.out),
            ...(flags.start === undefined ? {} : { start: flags.start }),
            ...(flags.months === undefined ? {} : { months: parseSynthInteger('--months', flags.months) }),
            ...(bar ? { onProgress: (n: number) => bar.update(n) } : {}),
          });
          bar?.update(rows);
        } finally {
          bar?.stop();
        }
        if (!g.quiet) {
          const t = result.truth;
          process.stdout.write(
            `wrote ${result.rows} rows to ${result.out} (${t.start}, ${t.months} months, seed ${t.seed})\n` +
              `ground truth: ${result.truthPath} — ${t.batchInputClusters.length} batch-input clusters, slow machine ${t.slowMachine.machineId}, ` +
              `${t.duplicateRuns.length} duplicate groups, failing process ${t.failingProcess.processId}, ${t.dependencyChains.length} dependency chains\n`,
          );
        }
      }),
    );
}
