import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ReportInput } from '../../src/report/index.ts';

export function loadInput(name: 'basic' | 'hostile'): ReportInput {
  return JSON.parse(readFileSync(`fixtures/report/input.${name}.json`, 'utf8')) as ReportInput;
}

export function tempOut(): string {
  return mkdtempSync(join(tmpdir(), 'stat-harness-report-'));
}

/** Every file under dir as relative path → content (sorted by path). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}
