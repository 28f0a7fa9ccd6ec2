import type { Command } from 'commander';

/** ingest / info / export / synth / demo (dataset layer). */
export function registerDatasetCommands(_program: Command): void {}
