/**
 * Report layer — public face. Pure renderers from a ReportInput (built by the runs layer) to
 * report.json, report.md, the answers files, the HTML evidence dashboard and the per-sequence
 * checklists, plus the writers that put them in a run's output directory. No run ids,
 * timestamps or telemetry go in.
 */
export type { ManifestPluginRecord, ReportInput, ReportPlugin } from './types.ts';
export { buildReportJson, checklistPath, REPORT_SCHEMA_VERSION, type ReportJson, type ReportJsonLandmark, type ReportJsonPlugin, type ReportJsonRecommendation, type ReportJsonSequence } from './json.ts';
export { renderReportMarkdown } from './report-md.ts';
export { DASHBOARD_CSP, DASHBOARD_FILE, dashboardHtmlFromModel, modeledSecondsTotal, renderDashboardHtml } from './dashboard.ts';
export { renderAnswersPlain, renderAnswersTechnical } from './answers.ts';
export { buildSequenceChecklists, CHECKLIST_VERSION, renderChecklistMarkdown, type PassCriterion, type SequenceChecklist } from './checklists.ts';
export { buildReportModel, compareForRanking, suggestedBoundary, DEFAULT_CLOSE_WINDOW, type RankedRecommendation, type ReportModel, type SequenceView } from './model.ts';
export { renderRunArtifacts, REPORT_FILES, writeChecklists, writeRunReports } from './write.ts';
export { mdCode, mdProse, mdText } from './markdown.ts';
