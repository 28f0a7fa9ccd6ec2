/**
 * `stat-harness facts --run <id>`: collect the facts policy-eval evaluates from a stored run
 * (static scan, telemetry, insight contract, novelty, taxonomy, catalog, known-issues leakage).
 * `policy-eval check --run <id>` uses the same function.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stableStringify } from '../../common/hash.ts';
import { collectFacts, type CollectedFacts } from '../../collectors/index.ts';
import type { HarnessConfig } from '../../config/index.ts';
import { openStore } from '../../dataset/index.ts';
import { action, configFor } from '../shared.ts';
import { writeOutput } from './policy-common.ts';

export interface RunFactsRequest {
  run: string;
  reference?: string;
  requireReference?: boolean;
  /** Locations are relative to this directory (default: the config file's directory). */
  repoRoot?: string;
}

/** Open the store, collect the run's facts, close the store. */
export async function collectRunFacts(config: HarnessConfig, request: RunFactsRequest): Promise<CollectedFacts> {
  const db = openStore(config.store, { create: false });
  try {
    return await collectFacts({
      db,
      config,
      runId: request.run,
      repoRoot: request.repoRoot === undefined ? config.rootDir : resolve(request.repoRoot),
      ...(request.reference === undefined ? {} : { reference: request.reference }),
      ...(request.requireReference ? { requireReference: true } : {}),
    });
  } finally {
    db.close();
  }
}

interface FactsFlags {
  run: string;
  out?: string;
  reference?: string;
  requireReference?: boolean;
  repoRoot?: string;
}

export function registerFactsCommand(program: Command): void {
  program
    .command('facts')
    .description('collect policy facts from a recorded run (the input of policy-eval --facts)')
    .requiredOption('--run <id>', 'run id (stat-harness runs list)')
    .option('-o, --out <file>', 'write the facts to a file instead of stdout')
    .option('--reference <snapshot.json>', 'novelty reference: an evidence snapshot (default: the store’s reference run)')
    .option('--require-reference', 'no reference run → novelty facts unknown (policies fail closed) instead of not applicable')
    .option('--repo-root <dir>', 'report source locations relative to this directory (default: the config file’s directory)')
    .addHelpText('after', '\nExamples:\n  $ stat-harness facts --run 3 --out facts.json\n  $ stat-harness facts --run 3 --reference evidence/reference.json --require-reference')
    .action(
      action(async (flags: FactsFlags, cmd: Command) => {
        const facts = await collectRunFacts(configFor(cmd), {
          run: flags.run,
          ...(flags.reference === undefined ? {} : { reference: flags.reference }),
          ...(flags.requireReference ? { requireReference: true } : {}),
          ...(flags.repoRoot === undefined ? {} : { repoRoot: flags.repoRoot }),
        });
        writeOutput(`${stableStringify(facts, 2)}\n`, flags.out);
        return 0;
      }),
    );
}
