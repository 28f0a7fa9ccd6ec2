/**
 * `stat-harness demo`: the main job end to end on built-in demo data, in its own store so it
 * never touches the user's — synthesize an ERP queue log with planted patterns, ingest it,
 * describe it, run every built-in plugin sandboxed, write the reports, and print the top
 * recommendations with the exact process ids an operator would change.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { parseStrictInteger } from '../../common/parse.ts';
import type { HarnessConfig } from '../../config/index.ts';
import { buildReportModel, type RankedRecommendation } from '../../report/index.ts';
import { loadReportInput } from '../../runs/index.ts';
import { ingestFile, openStore, synthesizeLog } from '../../dataset/index.ts';
import { action, configFor, globalOptions } from '../shared.ts';
import { performRun } from './run.ts';

interface DemoFlags {
  dir: string;
  rows: string;
  seed: string;
  top: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the main job on built-in demo data: synthesize a log, ingest it, run the plugins, write the reports')
    .option('--dir <dir>', 'working directory of the demo (its own store; recreated each time)', '.stat-harness/demo')
    .option('--rows <n>', 'rows of the synthetic log', '60000')
    .option('--seed <s>', 'seed of the synthetic log and the run', '42')
    .option('--top <n>', 'recommendations to print', '5')
    .action(action(async (flags: DemoFlags, cmd: Command) => demo(flags, cmd)));
}

function positiveInt(flag: string, text: string): number {
  const n = parseStrictInteger(text);
  if (n === undefined || n < 0) throw new HarnessError('usage', `${flag} must be an integer >= 0; got "${text}"`);
  return n;
}

async function demo(flags: DemoFlags, cmd: Command): Promise<number> {
  const g = globalOptions(cmd);
  const rows = positiveInt('--rows', flags.rows);
  const seed = positiveInt('--seed', flags.seed);
  const top = positiveInt('--top', flags.top);
  const dir = resolve(flags.dir);
  // The demo owns its directory: a fresh store each time keeps run ids and outputs stable.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const base = configFor(cmd);
  const config: HarnessConfig = { ...base, store: join(dir, 'harness.db'), plugins: { ...base.plugins, dirs: [], packages: [] } };
  const say = (line: string): void => {
    if (!g.quiet) process.stdout.write(`${line}\n`);
  };
  const rel = (p: string): string => relative(process.cwd(), p) || '.';

  const log = join(dir, 'demo-queue-log.csv');
  const synth = synthesizeLog({ rows, seed, out: log });
  say(`1. synthesized ${synth.rows.toLocaleString('en-US')} job runs over ${synth.truth.months} months → ${rel(log)} (planted patterns: ${rel(synth.truthPath)})`);

  const ingested = await ingestFile(config, { file: log });
  say(`2. ingested dataset ${ingested.dataset.id} (fingerprint ${ingested.dataset.fingerprint.slice(0, 16)}…) into ${rel(config.store)}`);

  const outcome = await performRun(config, { dataset: String(ingested.dataset.id), seed: String(seed), out: join(dir, 'report') }, g);
  const info = outcome.dataset;
  say(
    `3. ${info.rowCount.toLocaleString('en-US')} rows, ${info.distinctProcesses} processes, close months ${info.closeMonths.map((m) => m.month).join(', ')}; ` +
      `ran ${outcome.records.length} plugins (${outcome.tally})`,
  );

  const db = openStore(config.store, { readonly: true });
  let ranked: RankedRecommendation[];
  try {
    ranked = buildReportModel(loadReportInput(db, outcome.runId)).recommendations;
  } finally {
    db.close();
  }
  say('');
  say(ranked.length === 0 ? 'No recommendation met the insight contract.' : `Top ${Math.min(top, ranked.length)} of ${ranked.length} recommendations:`);
  for (const r of ranked.slice(0, top)) {
    const figure = r.modeled ? describeModeled(r) : `not modeled: ${r.not_modeled_reason ?? ''}`;
    say(`  ${r.rank}. [${r.action_type}] ${r.text}`);
    say(`     ${figure}`);
  }
  say('');
  say(`Reports: ${rel(outcome.outDir)}/ (dashboard.html, report.md, answers_recommendations.md, answers_recommendations_plain.md, report.json, checklists/)`);
  return 0;
}

function describeModeled(r: RankedRecommendation): string {
  const m = r.modeled!;
  const parts: string[] = [];
  if (m.delta_seconds !== undefined) parts.push(`${Math.round(m.delta_seconds).toLocaleString('en-US')} s`);
  if (m.percent !== undefined) parts.push(`${m.percent}%`);
  return `modeled saving ${parts.join(' / ')} (basis: ${m.basis})`;
}
