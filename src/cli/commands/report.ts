/** `stat-harness report --run <id>` and `stat-harness checklist --run <id>`: (re)write a run's reports. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openStore } from '../../dataset/index.ts';
import { writeChecklists } from '../../report/index.ts';
import { assertRunCompleted, getRun, loadReportInput, prepareRunsStore } from '../../runs/index.ts';
import { action, configFor } from '../shared.ts';
import { defaultRunDir, writeReportsForRun } from './run.ts';

interface ReportFlags {
  run: string;
  out?: string;
}

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description("write a run's reports (report.json, report.md, dashboard.html, answers, checklists)")
    .requiredOption('-r, --run <id>', 'run id (stat-harness runs list)')
    .option('-o, --out <dir>', "output directory (default: the run's report directory)")
    .action(action((flags: ReportFlags, cmd: Command) => write(flags, cmd, 'report')));
  program
    .command('checklist')
    .description('write one runbook per batch sequence of a run (markdown and JSON)')
    .requiredOption('-r, --run <id>', 'run id (stat-harness runs list)')
    .option('-o, --out <dir>', "output directory (default: the run's report directory)")
    .action(action((flags: ReportFlags, cmd: Command) => write(flags, cmd, 'checklist')));
}

function write(flags: ReportFlags, cmd: Command, what: 'report' | 'checklist'): number {
  const config = configFor(cmd);
  const db = openStore(config.store, { create: false });
  try {
    prepareRunsStore(db);
    const run = getRun(db, flags.run);
    // An unfinished run would read like a clean empty one (plugins: []): refuse it.
    assertRunCompleted(run, what === 'report' ? 'write reports' : 'write checklists');
    const outDir = flags.out ? resolve(flags.out) : (run.outDir ?? defaultRunDir(config, run.id));
    const files = what === 'report' ? writeReportsForRun(db, config, run.id, outDir) : writeChecklists(loadReportInput(db, run.id), outDir);
    process.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'} written to ${outDir}\n`);
    return 0;
  } finally {
    db.close();
  }
}
