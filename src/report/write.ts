/**
 * The thin I/O shell of the report layer: render everything from one model and write it.
 * Files are written via a temporary name and renamed, so a reader never sees half a report;
 * stale checklists of sequences that no longer exist are removed, so the directory content is
 * a function of the input alone.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '../common/hash.ts';
import type { LandmarkResult } from '../insights/index.ts';
import { answersPlainFromModel, answersTechnicalFromModel } from './answers.ts';
import { checklistsFromModel, renderChecklistMarkdown } from './checklists.ts';
import { DASHBOARD_FILE, dashboardHtmlFromModel } from './dashboard.ts';
import { checklistPath, reportJsonFromModel } from './json.ts';
import { buildReportModel, type ReportModel } from './model.ts';
import { reportMarkdownFromModel } from './report-md.ts';
import type { ReportInput } from './types.ts';

export const REPORT_FILES = ['report.json', 'report.md', 'answers_recommendations.md', 'answers_recommendations_plain.md', DASHBOARD_FILE] as const;

function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, 'utf8');
  renameSync(tmp, file);
}

/** Rendered artifacts by relative path (pure; what the writers put on disk). */
export function renderRunArtifacts(input: ReportInput, options: { landmarks?: readonly LandmarkResult[] } = {}): Map<string, string> {
  const model = buildReportModel(input, options);
  return new Map([...reportArtifacts(model), ...checklistArtifacts(model)]);
}

function reportArtifacts(model: ReportModel): [string, string][] {
  return [
    ['report.json', `${stableStringify(reportJsonFromModel(model), 2)}\n`],
    ['report.md', reportMarkdownFromModel(model)],
    ['answers_recommendations.md', answersTechnicalFromModel(model)],
    ['answers_recommendations_plain.md', answersPlainFromModel(model)],
    [DASHBOARD_FILE, dashboardHtmlFromModel(model)],
  ];
}

function checklistArtifacts(model: ReportModel): [string, string][] {
  return checklistsFromModel(model).flatMap((c): [string, string][] => [
    [checklistPath(c.sequence_id, 'json'), `${stableStringify(c, 2)}\n`],
    [checklistPath(c.sequence_id, 'md'), renderChecklistMarkdown(c)],
  ]);
}

function writeAll(outDir: string, artifacts: [string, string][]): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [rel, content] of artifacts) {
    const file = join(outDir, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeAtomic(file, content);
    written.push(file);
  }
  return written.sort();
}

/** Remove checklist files of sequences not in `keep` (only names this layer writes). */
function pruneChecklists(outDir: string, keep: ReadonlySet<string>): void {
  const dir = join(outDir, 'checklists');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (/^seq_[0-9a-f]{16}\.(md|json)$/.test(name) && !keep.has(`checklists/${name}`)) rmSync(join(dir, name));
  }
}

/**
 * Write report.json, report.md, both answers files, dashboard.html and the sequence checklists into outDir.
 * Landmark results are accepted only in known-issues mode on. Returns the paths written, sorted.
 */
export function writeRunReports(input: ReportInput, outDir: string, options: { landmarks?: readonly LandmarkResult[] } = {}): string[] {
  const model = buildReportModel(input, options);
  const checklists = checklistArtifacts(model);
  pruneChecklists(outDir, new Set(checklists.map(([rel]) => rel)));
  return writeAll(outDir, [...reportArtifacts(model), ...checklists]);
}

/** Only the per-sequence checklists (`stat-harness checklist --run <id>`). */
export function writeChecklists(input: ReportInput, outDir: string): string[] {
  const model = buildReportModel(input);
  const checklists = checklistArtifacts(model);
  pruneChecklists(outDir, new Set(checklists.map(([rel]) => rel)));
  return writeAll(outDir, checklists);
}
