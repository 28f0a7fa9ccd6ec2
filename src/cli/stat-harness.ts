#!/usr/bin/env node
/** `stat-harness`: ingest job-queue logs, run analysis plugins, write reports. Wiring only. */
import { Command } from 'commander';
import { configureProgram } from './shared.ts';
import { registerDatasetCommands } from './commands/dataset.ts';

const program = configureProgram(
  new Command(),
  'stat-harness',
  'Modeled savings from ERP batch-job scheduler logs: ingest a queue log, run analysis plugins, write reports.',
);
registerDatasetCommands(program);

await program.parseAsync(process.argv);
