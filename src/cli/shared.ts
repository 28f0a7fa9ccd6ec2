/**
 * What every CLI command shares: error → exit code mapping, TTY-only color and progress,
 * quiet mode, and the global options. Commands stay thin: parse flags, call one layer's
 * entry function, print.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { formatHarnessError, HarnessError, isHarnessError } from '../common/errors.ts';
import { loadConfig, type HarnessConfig } from '../config/index.ts';
import { storeBusyError } from '../dataset/index.ts';

export const EXIT_OK = 0;
/** Findings/failing results (policy-eval), or a run whose gates failed. */
export const EXIT_FAILURES = 1;
/** Usage, config, input or load error: nothing (trustworthy) was produced. */
export const EXIT_USAGE = 2;

export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }
).version;

export interface GlobalOptions {
  config?: string;
  quiet?: boolean;
  color?: boolean;
}

/** Colors only on a TTY, never with NO_COLOR (any non-empty value) or --no-color. */
export function useColor(stream: NodeJS.WriteStream = process.stdout, opts: GlobalOptions = {}): boolean {
  if (opts.color === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** Progress bars and spinners only when stderr is a TTY and not --quiet. */
export function showProgress(opts: GlobalOptions = {}): boolean {
  return Boolean(process.stderr.isTTY) && !opts.quiet;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function configFor(cmd: Command): HarnessConfig {
  const g = globalOptions(cmd);
  return loadConfig(g.config === undefined ? {} : { configFile: g.config });
}

/**
 * Wrap a command action: HarnessError → one precise message on stderr + its exit code;
 * anything else is a bug, reported in one line (stack only with DEBUG=stat-harness).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void> | number | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === 'number' ? code : EXIT_OK;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

export function reportError(thrown: unknown): number {
  // A store locked by another process (an ingest's write transaction) is not a bug: say so.
  const err = storeBusyError(thrown) ?? thrown;
  if (isHarnessError(err)) {
    process.stderr.write(`${formatHarnessError(err)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`error [internal] ${e?.message ?? String(err)}\n  hint: this is a bug in stat-harness; rerun with DEBUG=stat-harness for details\n`);
  if (process.env.DEBUG?.includes('stat-harness') && e?.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT_USAGE;
}

/** Commander parse errors (unknown option, missing argument) exit 2, like other usage errors. */
export function configureProgram(program: Command, name: string, description: string): Command {
  return program
    .name(name)
    .description(description)
    .version(PACKAGE_VERSION, '-V, --version')
    .option('-c, --config <file>', 'config file (default: .statharnessrc.yaml found from the current directory up)')
    .option('-q, --quiet', 'print only errors and the final result')
    .option('--no-color', 'disable colors (also NO_COLOR=1)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
      process.exit(EXIT_USAGE);
    });
}

export function parseFormat<T extends string>(value: string, allowed: readonly T[], flag = '--format'): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new HarnessError('usage', `${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
}
