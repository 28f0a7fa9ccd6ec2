#!/usr/bin/env node
/** `policy-eval`: evaluate YAML policies against collected facts. Wiring only. */
import { Command } from 'commander';
import { configureProgram } from './shared.ts';

const program = configureProgram(new Command(), 'policy-eval', 'Evaluate stat-harness policies (YAML → json-rules-engine) against facts.');

await program.parseAsync(process.argv);
