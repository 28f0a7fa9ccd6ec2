import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';

/**
 * The evidence dashboard of a real run, in a real browser: `stat-harness demo` (synthesized log
 * with planted patterns → ingest → built-in plugins → reports) through the built binary, then
 * dashboard.html opened from file:// in headless Chromium from Debian (package `chromium`;
 * .ci/run installs it). Playwright never downloads a browser here.
 */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/stat-harness-dashboard.png';
/** Evaluated in the page (a string: the test program has no DOM types). */
const NO_PAGE_OVERFLOW = 'document.documentElement.scrollWidth <= window.innerWidth';

interface PlantedCluster {
  processIds: string[];
  closeMonth: string;
  key: string;
}

interface ReportJsonSlice {
  recommendations: { rank: number; action_type: string; where: { close_month?: string } }[];
  batch_sequences: { sequence_id: string; target_process_ids: string[]; close_month: string; key: string }[];
}

let dir: string;
let dashboard: string;
let report: ReportJsonSlice;
let planted: PlantedCluster[];
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (apt-get install -y chromium) to run the dashboard browser test`);
  }
  dir = tempDir('stat-harness-dashboard-');
  const r = runCli('statHarness', ['demo', '--dir', join(dir, 'demo'), '--rows', '3000', '--seed', '7', '--quiet']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  dashboard = join(dir, 'demo/report/dashboard.html');
  report = JSON.parse(readFileSync(join(dir, 'demo/report/report.json'), 'utf8')) as ReportJsonSlice;
  planted = (JSON.parse(readFileSync(join(dir, 'demo/demo-queue-log.csv.truth.json'), 'utf8')) as { batchInputClusters: PlantedCluster[] }).batchInputClusters;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

async function open(options: { javaScriptEnabled?: boolean; width?: number } = {}): Promise<Opened> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true, viewport: { width: options.width ?? 1280, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(pathToFileURL(dashboard).href);
  return { page, consoleErrors, requests };
}

/** Rank cells of the visible recommendation rows, top to bottom. */
async function visibleRanks(page: Page): Promise<number[]> {
  return page.$$eval('#recs-table tbody tr:not([hidden])', (rows) => rows.map((r) => Number(r.getAttribute('data-rank'))));
}

describe('dashboard.html in Chromium', () => {
  it('loads from file:// with no console error, no CSP violation and no network request at all', async () => {
    const { page, consoleErrors, requests } = await open();
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(dashboard).href]);
    expect(await page.title()).toMatch(/^stat-harness dashboard: /);
    // The script ran under the CSP: it revealed the controls and counted the rows.
    await expect.poll(() => page.locator('#recs-status').textContent()).toBe(`Showing ${report.recommendations.length} of ${report.recommendations.length} recommendations`);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // No horizontal overflow of the page: wide tables scroll inside their own wrapper.
    expect(await page.evaluate(NO_PAGE_OVERFLOW)).toBe(true);
    await page.context().close();
  });

  it('the planted batch sequences each have a card with their process ids in run order', async () => {
    const { page } = await open();
    expect(planted.length).toBeGreaterThan(0);
    for (const p of planted) {
      const seq = report.batch_sequences.find((s) => s.close_month === p.closeMonth && s.key === p.key);
      expect(seq, `sequence for the planted ${p.processIds.join(' → ')} (${p.closeMonth}, ${p.key})`).toBeDefined();
      const card = page.locator('article.card', { hasText: seq!.sequence_id });
      await expect.poll(() => card.count()).toBe(1);
      const ids = await card.locator('ol.chain[aria-label="Processes in run order"] code').allTextContents();
      expect(ids).toEqual(p.processIds);
      expect(await card.locator('.kv').textContent()).toContain(p.closeMonth);
    }
    await page.context().close();
  });

  it('every checklist link points at a checklist file the run wrote', async () => {
    const { page } = await open();
    const links = (await page.locator('article.card a.checklist').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))).map((h) => new URL(h, page.url()).href);
    expect(links).toHaveLength(report.batch_sequences.length);
    for (const href of links) {
      expect(href).toMatch(/\/checklists\/seq_[0-9a-f]{16}\.md$/);
      expect(existsSync(fileURLToPath(href)), href).toBe(true);
    }
    await page.context().close();
  });

  it('filtering by action type hides the other rows; close month narrows further; reset restores', async () => {
    const { page, consoleErrors } = await open();
    const all = report.recommendations.map((r) => r.rank);
    const types = [...new Set(report.recommendations.map((r) => r.action_type))];
    expect(types.length).toBeGreaterThan(1); // otherwise the filter could not hide anything
    expect(await visibleRanks(page)).toEqual(all);

    await page.selectOption('#filter-action', 'batch_input');
    const batch = report.recommendations.filter((r) => r.action_type === 'batch_input');
    expect(await visibleRanks(page)).toEqual(batch.map((r) => r.rank));
    expect(await page.locator('#recs-table tbody tr[data-action="fix_failure"]').first().isHidden()).toBe(true);
    expect(await page.locator('#recs-status').textContent()).toBe(`Showing ${batch.length} of ${all.length} recommendations`);

    const month = batch[0]!.where.close_month!;
    await page.selectOption('#filter-close', month);
    expect(await visibleRanks(page)).toEqual(batch.filter((r) => r.where.close_month === month).map((r) => r.rank));

    await page.click('#filter-reset');
    expect(await visibleRanks(page)).toEqual(all);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });

  it('sorting is keyboard-usable and announced with aria-sort', async () => {
    const { page } = await open();
    const button = page.locator('th[data-sort="close"] button');
    await button.focus();
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('th[data-sort="close"]', 'aria-sort')).toBe('ascending');
    expect(await page.getAttribute('th[data-sort="rank"]', 'aria-sort')).toBeNull();
    const closes = await page.$$eval('#recs-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-close')));
    const present = closes.filter((c): c is string => c !== null);
    expect(present).toEqual([...present].sort());
    expect(closes.slice(present.length).every((c) => c === null)).toBe(true); // rows without a month last
    await page.keyboard.press('Space');
    expect(await page.getAttribute('th[data-sort="close"]', 'aria-sort')).toBe('descending');
    // Action type and modeled seconds sort too (seconds: largest first on the first press).
    await page.click('th[data-sort="action"] button');
    const actions = await page.$$eval('#recs-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-action') ?? ''));
    expect(actions).toEqual([...actions].sort());
    await page.click('th[data-sort="seconds"] button');
    expect(await page.getAttribute('th[data-sort="seconds"]', 'aria-sort')).toBe('descending');
    const seconds = await page.$$eval('#recs-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-seconds')));
    const numbers = seconds.filter((v): v is string => v !== null).map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(seconds.slice(numbers.length).every((v) => v === null)).toBe(true);
    await page.context().close();
  });

  it('without JavaScript the table is complete and ranked, and the controls stay hidden', async () => {
    const { page, requests } = await open({ javaScriptEnabled: false });
    expect(await visibleRanks(page)).toEqual(report.recommendations.map((r) => r.rank));
    expect(await page.locator('#recs-controls').isHidden()).toBe(true);
    expect(requests).toEqual([pathToFileURL(dashboard).href]);
    await page.context().close();
  });

  it('fits a phone screen and prints without navigation or controls', async () => {
    const { page } = await open({ width: 390 });
    expect(await page.evaluate(NO_PAGE_OVERFLOW)).toBe(true);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav.toc').isHidden()).toBe(true);
    expect(await page.locator('#recs-controls').isHidden()).toBe(true);
    await page.context().close();
  });
});
