import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/common/schema.ts';
import { ROOT, runCli, tempDir, type CliResult } from '../helpers/cli.ts';

/**
 * Known-issues mode through the built binary: `stat-harness run` with a landmarks file present.
 * Mode off: no landmark id or title anywhere (every file written, manifest and plugin artifacts
 * included, and the console), no known-issue wording in the reports. Mode on: each landmark
 * reported with its status.
 */
const CSV = join(ROOT, 'fixtures/plugins/data/jobs-small.csv');
const LANDMARKS = `# yaml-language-server: $schema=${join(ROOT, 'schemas/known-issues.schema.json')}
landmarks:
  - id: ki-quokka-batching
    title: Quokka batching of the close cohorts
    plugin_id: fixture_batch_groups
    kind: batch_group_candidate
  - id: ki-narwhal-never
    title: Narwhal routing that no plugin proposes
    action_type: route_process
    where: { machine: M9 }
`;
const SECRETS = ['ki-quokka-batching', 'Quokka batching of the close cohorts', 'ki-narwhal-never', 'Narwhal routing that no plugin proposes'];

let dir: string;
const sh = (args: string[], env: NodeJS.ProcessEnv = {}): CliResult => runCli('statHarness', args, { cwd: dir, env: { STAT_HARNESS_KNOWN_ISSUES_MODE: undefined, ...env } });

function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out;
}

beforeAll(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'known-issues.yaml'), LANDMARKS);
  writeFileSync(join(dir, '.statharnessrc.yaml'), `store: store/harness.db\nknownIssues:\n  file: known-issues.yaml\nplugins:\n  timeoutMs: 20000\n  memoryMb: 512\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/runtime'))}]\n`);
});

describe('stat-harness run and known-issue landmarks', () => {
  it('mode off: nothing from the landmarks file in any output', () => {
    const r = sh(['run', '--dataset', CSV, '--plugins', 'fixture_batch_groups', '--out', 'off']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = tree(join(dir, 'off'));
    expect([...files.keys()].some((f) => /^checklists\/seq_[0-9a-f]{16}\.md$/.test(f))).toBe(true);
    for (const [file, text] of [...files, ['stdout', r.stdout] as const]) {
      for (const s of SECRETS) expect(text.includes(s), `${file} contains ${s}`).toBe(false);
    }
    for (const [file, text] of files) {
      if (file === 'manifest.json' || file.startsWith('artifacts')) continue; // the manifest records the run mode
      expect(text, file).not.toMatch(/known[\s_-]*issue|landmark/i);
    }
    // Genuine findings about the same processes are there, in a schema-valid report.
    expect(files.get('report.json')).toContain('"kind": "batch_group_candidate"');
    const validate = schemaValidator('report.schema.json');
    expect(validate(JSON.parse(files.get('report.json')!)), JSON.stringify(validate.errors)).toBe(true);
    const validateChecklist = schemaValidator('checklist.schema.json');
    for (const [file, text] of files) if (/^checklists\/.*\.json$/.test(file)) expect(validateChecklist(JSON.parse(text)), file).toBe(true);
  });

  it('mode on: each landmark reported as confirmed / missing', () => {
    const r = sh(['run', '--dataset', '1', '--plugins', 'fixture_batch_groups', '--known-issues', 'on', '--out', 'on']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'on/report.json'), 'utf8')) as { known_issues: { landmarks: { id: string; status: string; count: number }[] } };
    expect(report.known_issues.landmarks.map((l) => [l.id, l.status])).toEqual([
      ['ki-narwhal-never', 'missing'],
      ['ki-quokka-batching', 'confirmed'],
    ]);
    expect(report.known_issues.landmarks[1]!.count).toBeGreaterThan(0);
    expect(schemaValidator('report.schema.json')(report)).toBe(true);
    const md = readFileSync(join(dir, 'on/report.md'), 'utf8');
    expect(md).toContain('## Known issues');
    expect(md).toContain('| `ki-quokka-batching` | Quokka batching of the close cohorts | confirmed |');
  });
});
