/**
 * One rule for every file a dataset command writes at a path the user named (export --out,
 * synth --out): missing parent directories are created, and anything that still prevents
 * writing (a parent that is a file, no permission) is a HarnessError naming the path.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HarnessError } from '../common/errors.ts';

export function ensureParentDir(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw outputFileError(path, err);
  }
}

export function outputFileError(path: string, err: unknown): HarnessError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new HarnessError('io', `cannot write ${path}: ${code}`, {
    hint: 'choose an output path whose parent is a writable directory (missing directories are created)',
    cause: err,
  });
}
