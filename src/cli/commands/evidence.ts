/** `stat-harness evidence snapshot --run <id> --out file`: the committed novelty reference for CI. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openStore } from '../../dataset/index.ts';
import { buildSnapshot, writeSnapshot } from '../../evidence/index.ts';
import { prepareRunsStore } from '../../runs/index.ts';
import { action, configFor, globalOptions } from '../shared.ts';

export function registerEvidenceCommands(program: Command): void {
  const evidence = program.command('evidence').description('evidence files derived from recorded runs');
  evidence
    .command('snapshot')
    .description('write a run snapshot (no ids, no timestamps) that policy-eval --reference uses as the novelty reference')
    .requiredOption('--run <id>', 'run id (stat-harness runs list)')
    .requiredOption('-o, --out <file>', 'snapshot file to write (commit it)')
    .addHelpText('after', '\nExample:\n  $ stat-harness evidence snapshot --run 3 --out evidence/reference.json\n  $ policy-eval check --run 4 --reference evidence/reference.json')
    .action(
      action((flags: { run: string; out: string }, cmd: Command) => {
        const config = configFor(cmd);
        const db = openStore(config.store, { create: false });
        try {
          prepareRunsStore(db);
          const snapshot = buildSnapshot(db, flags.run);
          const out = resolve(flags.out);
          writeSnapshot(out, snapshot);
          if (!globalOptions(cmd).quiet) process.stdout.write(`wrote snapshot of run ${flags.run} (${snapshot.signatures.length} signatures, ${snapshot.plugins.length} plugins) to ${flags.out}\n`);
          return 0;
        } finally {
          db.close();
        }
      }),
    );
}
