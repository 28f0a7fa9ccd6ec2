/**
 * `npm test`: typecheck, then the vitest suite, then one plain closing line
 * `N passed, N failed, N skipped` (what CI log readers and humans scan for).
 * Extra arguments go to vitest (`npm test -- tests/dataset`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string): string => `${root}node_modules/${name}`;
const args = process.argv.slice(2);

if (args.length === 0) {
  process.stdout.write('typecheck: tsc -p tsconfig.json --noEmit\n');
  const tc = spawnSync(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
  if (tc.status !== 0) {
    process.stdout.write('typecheck failed\n0 passed, 1 failed\n');
    process.exit(1);
  }
}

mkdirSync(`${root}.stat-harness`, { recursive: true });
const resultsFile = `${root}.stat-harness/test-results.json`;
rmSync(resultsFile, { force: true });
const run = spawnSync(
  process.execPath,
  [bin('vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...args],
  { cwd: root, stdio: 'inherit' },
);

let summary = '';
try {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number };
  const failed = r.numFailedTests + (r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
  summary = `${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
} catch {
  summary = `0 passed, 1 failed (vitest produced no results file; exit ${run.status ?? run.signal})`;
}
process.stdout.write(`\n${summary}\n`);
process.exit(run.status ?? 1);
