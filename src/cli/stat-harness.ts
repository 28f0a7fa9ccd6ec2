#!/usr/bin/env node
/** `stat-harness`: ingest job-queue logs, run analysis plugins, write reports. Wiring only. */
import { Command } from 'commander';
import { configureProgram } from './shared.ts';
import { registerDatasetCommands } from './commands/dataset.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerRunsCommands } from './commands/runs.ts';
import { registerReportCommands } from './commands/report.ts';
import { registerSynthCommand } from './commands/synth.ts';
import { registerFactsCommand } from './commands/facts.ts';
import { registerEvidenceCommands } from './commands/evidence.ts';
import { registerDemoCommand } from './commands/demo.ts';

const program = configureProgram(
  new Command(),
  'stat-harness',
  'Modeled savings from ERP batch-job scheduler logs: ingest a queue log, run analysis plugins, write reports.',
);
registerDatasetCommands(program);
registerRunCommand(program);
registerRunsCommands(program);
registerReportCommands(program);
registerSynthCommand(program);
registerFactsCommand(program);
registerEvidenceCommands(program);
registerDemoCommand(program);

await program.parseAsync(process.argv);
