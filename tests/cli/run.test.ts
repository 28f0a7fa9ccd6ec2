import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeLog } from '../../src/dataset/index.ts';
import { BIN, ROOT, runCli, tempDir, type CliResult } from '../helpers/cli.ts';

const CSV = join(ROOT, 'fixtures/plugins/data/jobs-small.csv');
const PLUGINS = 'queue_wait_by_process_v1,fixture_batch_groups,fixture_ok,fixture_throws,fixture_depends_on_ok,fixture_sql';

let dir: string;
const sh = (args: string[], env: NodeJS.ProcessEnv = {}): CliResult => runCli('statHarness', args, { cwd: dir, env });

/** Every file under root (relative path → bytes), except the run manifest and plugin artifacts. */
function hashedArtifacts(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'artifacts') walk(p);
      } else if (name !== 'manifest.json') out.set(relative(root, p), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out;
}

beforeAll(() => {
  dir = tempDir();
  writeFileSync(
    join(dir, '.statharnessrc.yaml'),
    `store: store/harness.db\nplugins:\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/runtime'))}]\n  timeoutMs: 20000\n  memoryMb: 512\n`,
  );
});

describe('stat-harness run', () => {
  let first: CliResult;
  beforeAll(() => {
    first = sh(['run', '--dataset', CSV, '--plugins', PLUGINS, '--seed', '3', '--out', 'out/a', '--format', 'json']);
  });

  it('ingests a file, runs the plugins and reports exit 0 even when a plugin errors', () => {
    expect(first.stderr).toBe('');
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { runId: number; plugins: { id: string; status: string; exitReason: string }[] };
    expect(summary.runId).toBe(1);
    const byId = Object.fromEntries(summary.plugins.map((p) => [p.id, p]));
    expect(byId['fixture_throws']).toMatchObject({ status: 'error', exitReason: 'plugin_error' });
    expect(byId['fixture_sql'], JSON.stringify(byId['fixture_sql'])).toMatchObject({ status: 'ok' });
    expect(byId['queue_wait_by_process_v1']).toMatchObject({ status: 'ok' });
  });

  it('writes every report, the checklists, and a manifest holding the run id, timestamps and telemetry', () => {
    const files = [...hashedArtifacts(join(dir, 'out/a')).keys()].sort();
    expect(files).toEqual(expect.arrayContaining(['report.json', 'report.md', 'answers_recommendations.md', 'answers_recommendations_plain.md']));
    expect(files.some((f) => /^checklists\/seq_[0-9a-f]{16}\.md$/.test(f))).toBe(true);
    expect(files.some((f) => /^checklists\/seq_[0-9a-f]{16}\.json$/.test(f))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, 'out/a/manifest.json'), 'utf8')) as { runId: number; startedAt: string; plugins: { id: string; peakRssBytes: number; wallMs: number }[] };
    expect(manifest.runId).toBe(1);
    expect(manifest.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(manifest.plugins.find((p) => p.id === 'fixture_ok')!.peakRssBytes).toBeGreaterThan(0);
    const report = readFileSync(join(dir, 'out/a/report.json'), 'utf8');
    expect(report).not.toMatch(/startedAt|peakRss|wallMs/);
  });

  it('is deterministic: a second identical run produces byte-identical reports (only manifest.json differs)', () => {
    const second = sh(['run', '--dataset', '1', '--plugins', PLUGINS, '--seed', '3', '--out', 'out/b']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^run 2: 6 plugins on dataset jobs-small \(1\) — 1 error, 5 ok; reports in /);
    const a = hashedArtifacts(join(dir, 'out/a'));
    const b = hashedArtifacts(join(dir, 'out/b'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, text] of a) expect(b.get(name), name).toBe(text);
    expect(readFileSync(join(dir, 'out/a/manifest.json'), 'utf8')).not.toBe(readFileSync(join(dir, 'out/b/manifest.json'), 'utf8'));
  });

  it('report --run and checklist --run rewrite the same bytes from the store', () => {
    expect(sh(['report', '--run', '1', '--out', 'out/c']).status).toBe(0);
    expect(sh(['checklist', '--run', '1', '--out', 'out/d']).status).toBe(0);
    const a = hashedArtifacts(join(dir, 'out/a'));
    const c = hashedArtifacts(join(dir, 'out/c'));
    const d = hashedArtifacts(join(dir, 'out/d'));
    expect([...c.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, text] of c) expect(text, name).toBe(a.get(name));
    expect([...d.keys()].every((k) => k.startsWith('checklists/'))).toBe(true);
    expect(d.size).toBeGreaterThan(0);
    for (const [name, text] of d) expect(text, name).toBe(a.get(name));
  });

  it('runs list and runs show describe the run history (text and json)', () => {
    const list = sh(['runs', 'list', '--format', 'json']);
    expect(list.stderr).toBe('');
    expect(list.status, list.stderr).toBe(0);
    const runs = JSON.parse(list.stdout) as { id: number; status: string; seed: number; knownIssuesMode: string }[];
    expect(runs.map((r) => r.id)).toEqual([2, 1]);
    expect(runs[0]).toMatchObject({ status: 'completed', seed: 3, knownIssuesMode: 'off' });
    const show = sh(['runs', 'show', '1', '--format', 'json']);
    expect(show.stderr).toBe('');
    const run = JSON.parse(show.stdout) as { executions: { pluginId: string; status: string; exitReason: string; reason: string | null; telemetry: { batches: number; sqlStatements: number } }[] };
    const ex = Object.fromEntries(run.executions.map((e) => [e.pluginId, e]));
    expect(ex['fixture_throws']).toMatchObject({ status: 'error', exitReason: 'plugin_error', reason: 'run() failed: fixture failure: something broke' });
    expect(ex['queue_wait_by_process_v1']!.telemetry.batches).toBeGreaterThan(0);
    expect(ex['fixture_sql']!.telemetry.sqlStatements).toBeGreaterThan(0);
    const text = sh(['runs', 'show', '1']);
    expect(text.stdout).toMatch(/fixture_throws\s+error\s+plugin_error/);
    // runs list: every header starts where its column's values start
    const table = sh(['runs', 'list']).stdout.trimEnd().split('\n');
    expect(table).toHaveLength(3);
    const header = table[0]!;
    for (const name of ['status', 'started', 'dataset', 'known issues']) {
      const at = header.indexOf(name);
      expect(at, name).toBeGreaterThan(0);
      for (const row of table.slice(1)) expect(row[at - 1], `${name} in ${row}`).toBe(' ');
      for (const row of table.slice(1)) expect(row[at], `${name} in ${row}`).not.toBe(' ');
    }
    expect(table[1]!.slice(header.indexOf('status'))).toMatch(/^completed\s+\d{4}-/);
    // numeric columns are right-aligned under their header's end
    const seedEnd = header.indexOf('seed') + 'seed'.length;
    expect(table[1]!.slice(0, seedEnd)).toMatch(/ 3$/);
    expect(text.stdout).toMatch(/reference run {2}none: /);
  });
});

describe('stat-harness run: bad input exits 2 with a precise message', () => {
  it('unknown --plugins id, with did-you-mean', () => {
    const r = sh(['run', '--dataset', '1', '--plugins', 'fixture_okk']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown plugin id "fixture_okk" \(did you mean "fixture_ok"\?\)/);
  });

  it('a dataset that does not exist, listing the known ones', () => {
    const r = sh(['run', '--dataset', '42', '--plugins', 'fixture_ok']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no dataset "42"/);
    expect(r.stderr).toMatch(/known datasets: 1 \(jobs-small, 120 rows\)/);
  });

  it('bad --seed, --jobs and --known-issues values', () => {
    expect(sh(['run', '--dataset', '1', '--seed', '-1']).stderr).toMatch(/--seed must be an integer >= 0; got "-1"/);
    expect(sh(['run', '--dataset', '1', '--jobs', '0']).stderr).toMatch(/--jobs must be an integer from 1 to 256; got "0"/);
    const ki = sh(['run', '--dataset', '1', '--known-issues', 'maybe']);
    expect(ki.status).toBe(2);
    expect(ki.stderr).toMatch(/--known-issues must be "on" or "off", got "maybe"/);
  });

  it('known-issues mode on (from the env) without a known-issues file', () => {
    const r = sh(['run', '--dataset', '1', '--plugins', 'fixture_ok'], { STAT_HARNESS_KNOWN_ISSUES_MODE: 'on' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/known-issues mode is on but .*known-issues\.yaml does not exist/);
  });

  it('runs show / report --run with an unknown run id', () => {
    const show = sh(['runs', 'show', '999']);
    expect(show.status).toBe(2);
    expect(show.stderr).toMatch(/no run "999" in the store/);
    expect(show.stderr).toMatch(/recent runs: 2, 1/);
    expect(show.stderr).not.toMatch(/did you mean/);
    expect(sh(['report', '--run', 'abc']).stderr).toMatch(/no run "abc" in the store \(run ids are integers\)/);
  });

  it('a plugin load error names the file and exits 2', () => {
    const bad = tempDir();
    writeFileSync(join(bad, 'broken.ts'), 'enum E { A }\nexport default E;\n');
    const cfgDir = tempDir();
    writeFileSync(join(cfgDir, '.statharnessrc.yaml'), `store: s.db\nplugins:\n  dirs: [${JSON.stringify(bad)}]\n`);
    const r = runCli('statHarness', ['run', '--dataset', CSV], { cwd: cfgDir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.ts uses TypeScript syntax that Node's type stripping cannot run/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('stat-harness run on a synthesized dataset', () => {
  it('produces every report, with sequences and checklists, byte-identical across two runs', () => {
    const work = tempDir();
    writeFileSync(join(work, '.statharnessrc.yaml'), `store: store/h.db\nplugins:\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/runtime'))}]\n`);
    const csv = join(work, 'synth.csv');
    synthesizeLog({ rows: 2000, seed: 11, out: csv, months: 2 });
    const args = (out: string): string[] => ['run', '--dataset', csv, '--plugins', 'queue_wait_by_process_v1,fixture_batch_groups', '--seed', '11', '--out', out];
    const a = runCli('statHarness', args('a'), { cwd: work });
    expect(a.stderr).toBe('');
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/2 ok/);
    const b = runCli('statHarness', args('b'), { cwd: work });
    expect(b.status, b.stderr).toBe(0);
    const ra = hashedArtifacts(join(work, 'a'));
    const rb = hashedArtifacts(join(work, 'b'));
    expect([...ra.keys()].filter((k) => k.startsWith('checklists/')).length).toBeGreaterThan(0);
    expect([...rb.keys()].sort()).toEqual([...ra.keys()].sort());
    for (const [name, text] of ra) expect(rb.get(name), name).toBe(text);
    const report = JSON.parse(ra.get('report.json')!) as { batch_sequences: unknown[] };
    expect(report.batch_sequences.length).toBeGreaterThan(0);
  });
});

describe('known-issues mode', () => {
  const LANDMARKS = `landmarks:\n  - id: zebra-xk-42\n    title: Zebra landmark XK-42\n    plugin_id: fixture_ok\n    min_count: 1\n`;
  let work: string;
  beforeAll(() => {
    work = tempDir();
    writeFileSync(join(work, '.statharnessrc.yaml'), `store: store/h.db\nplugins:\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/runtime'))}]\n`);
    writeFileSync(join(work, 'known-issues.yaml'), LANDMARKS);
  });
  const allText = (root: string): string => {
    const parts: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else parts.push(readFileSync(p, 'utf8'));
      }
    };
    walk(root);
    return parts.join('\n');
  };

  it('on: each landmark is reported with its status, and the mode is recorded', () => {
    const r = runCli('statHarness', ['run', '--dataset', CSV, '--plugins', 'fixture_ok', '--known-issues', 'on', '--out', 'on'], { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.status, r.stderr).toBe(0);
    const text = allText(join(work, 'on'));
    expect(text).toMatch(/zebra-xk-42/);
    expect(text).toMatch(/confirmed/);
    expect(JSON.parse(readFileSync(join(work, 'on/manifest.json'), 'utf8')).knownIssuesMode).toBe('on');
  });

  it('off (env beats config, flag beats env): no landmark id or title in any output', () => {
    writeFileSync(join(work, '.statharnessrc.yaml'), `store: store/h.db\nknownIssues:\n  mode: on\nplugins:\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/runtime'))}]\n`);
    const viaEnv = runCli('statHarness', ['run', '--dataset', '1', '--plugins', 'fixture_ok', '--out', 'off-env'], { cwd: work, env: { STAT_HARNESS_KNOWN_ISSUES_MODE: 'off' } });
    expect(viaEnv.status, viaEnv.stderr).toBe(0);
    const viaFlag = runCli('statHarness', ['run', '--dataset', '1', '--plugins', 'fixture_ok', '--out', 'off-flag', '--known-issues', 'off'], { cwd: work, env: { STAT_HARNESS_KNOWN_ISSUES_MODE: 'on' } });
    expect(viaFlag.status, viaFlag.stderr).toBe(0);
    for (const out of ['off-env', 'off-flag']) {
      const text = allText(join(work, out));
      expect(text).not.toMatch(/zebra|xk-42/i);
      expect(JSON.parse(readFileSync(join(work, out, 'manifest.json'), 'utf8')).knownIssuesMode).toBe('off');
    }
  });
});

describe('unfinished runs and a store locked by an ingest', () => {
  let work: string;
  let store: string;
  const at = (args: string[]): CliResult => runCli('statHarness', args, { cwd: work });
  /** Copy run 1 as a new run row with this status and runner pid (as a crashed or live runner leaves it). */
  const insertUnfinished = (pid: number): number => {
    const db = new Database(store);
    try {
      const info = db
        .prepare(
          `INSERT INTO runs (dataset_id, dataset_fingerprint, dataset_info_json, seed, plugin_ids_json, plugin_ids_hash, plugin_set_hash, code_hash, config_hash,
             config_json, known_issues_mode, status, harness_version, started_at, runner_pid, runner_host)
           SELECT dataset_id, dataset_fingerprint, dataset_info_json, seed, plugin_ids_json, plugin_ids_hash, plugin_set_hash, code_hash, config_hash,
             config_json, known_issues_mode, 'running', harness_version, started_at, ?, runner_host FROM runs WHERE id = 1`,
        )
        .run(pid);
      return Number(info.lastInsertRowid);
    } finally {
      db.close();
    }
  };

  beforeAll(() => {
    work = tempDir();
    store = join(work, 'store/harness.db');
    writeFileSync(join(work, '.statharnessrc.yaml'), `store: store/harness.db\nplugins:\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/runtime'))}]\n`);
    const r = at(['run', '--dataset', CSV, '--plugins', 'fixture_ok', '--out', 'out/1']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('report / checklist --run refuse a run that is still running (exit 2, status and what to do)', () => {
    const id = insertUnfinished(process.pid); // this test process: alive
    const r = at(['report', '--run', String(id), '--out', 'out/x']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`cannot write reports for run ${id}: its status is running — it is still running`));
    expect(r.stderr).toMatch(new RegExp(`wait for run ${id} to finish`));
    expect(at(['checklist', '--run', String(id)]).stderr).toMatch(/cannot write checklists for run \d+: its status is running/);
    expect(() => readdirSync(join(work, 'out/x'))).toThrow();
  });

  it('a running run whose process is gone is listed as failed (interrupted) and refused by report', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const id = insertUnfinished(gone);
    const list = JSON.parse(at(['runs', 'list', '--format', 'json']).stdout) as { id: number; status: string; failure: string | null }[];
    expect(list.find((x) => x.id === id)).toMatchObject({ status: 'failed', failure: `interrupted: its process (pid ${gone}) is gone without finishing the run` });
    const r = at(['report', '--run', String(id)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/its status is failed — it failed \(interrupted: its process \(pid \d+\) is gone/);
    expect(r.stderr).toMatch(/start a new run: stat-harness run --dataset 1/);
    expect(at(['report', '--run', '1', '--out', 'out/1']).status).toBe(0);
  });

  it('while another process holds the write lock: readers work, a run waits for it (saying so) and then completes', async () => {
    // The "ingest": BEGIN IMMEDIATE on a second connection, released when told on stdin.
    const holder = spawn(
      process.execPath,
      ['-e', `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(store)}); db.exec('BEGIN IMMEDIATE'); console.log('held');
              process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((res, rej) => {
        holder.stdout.once('data', () => res());
        holder.once('exit', (code) => rej(new Error(`lock holder exited ${code}`)));
      });
      expect(at(['runs', 'list']).status).toBe(0);
      expect(at(['info']).status).toBe(0);
      const run = spawn(process.execPath, [BIN.statHarness, 'run', '--dataset', '1', '--plugins', 'fixture_ok', '--out', 'out/locked'], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      const exited = new Promise<number | null>((res) => run.once('exit', (code) => res(code)));
      await new Promise<void>((res) => {
        run.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('waiting up to')) res();
        });
        void exited.then(() => res());
      });
      expect(stderr).toMatch(/the store is locked by another stat-harness process \(an ingest\?\); waiting up to 60 s/);
      holder.stdin.write('go\n');
      expect(await exited, stderr).toBe(0);
    } finally {
      holder.kill();
    }
  });
});
