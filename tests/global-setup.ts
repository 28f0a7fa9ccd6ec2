import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Copy a fresh build into dist/ so that a process reading dist/ at the same time never sees
 * a torn file: a file whose bytes are unchanged is not touched at all, a changed one is
 * written beside its target and renamed over it (rename is atomic on one file system).
 * Returns how many files changed.
 */
export function syncBuild(from: string, to: string): number {
  let changed = 0;
  for (const file of filesUnder(from)) {
    const target = join(to, relative(from, file));
    const next = readFileSync(file);
    let current: Buffer | undefined;
    try {
      current = readFileSync(target);
    } catch {
      current = undefined;
    }
    if (current?.equals(next)) continue;
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, next);
    renameSync(temp, target);
    changed++;
  }
  return changed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * End-to-end tests drive the real binaries in dist/: build them once before the suite.
 *
 * Several vitest runs share this checkout (developers running their own test folders while
 * the full suite runs), and each run's setup rebuilt dist/ in place: tsc truncates and
 * rewrites every file, so another run's e2e test that started a binary in that window
 * loaded an empty or half-written module and failed at random. So tsc builds into a private
 * directory and only changed files reach dist/, each by an atomic rename.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const work = join(root, '.stat-harness');
  mkdirSync(work, { recursive: true });
  // Staging builds of runs that were killed before cleaning up (their pid is gone).
  for (const name of readdirSync(work)) {
    const pid = Number(/^build-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(join(work, name), { recursive: true, force: true });
  }
  const staging = mkdtempSync(join(work, `build-${process.pid}-`));
  try {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json', '--outDir', staging], { cwd: root, stdio: 'inherit' });
    syncBuild(staging, join(root, 'dist'));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
