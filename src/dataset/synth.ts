/**
 * Synthetic ERP queue logs with planted patterns (`stat-harness synth`). The log covers
 * `months` months from `start`, with more load in the month-end close windows, a diurnal
 * curve with a queueing peak, and these planted patterns recorded in `<out>.truth.json`:
 * batch-input clusters (one process chain called many times in a close with one changing
 * param key), a slow machine, duplicate runs, peak-hour queueing, a failing process and
 * recurring dependency chains.
 *
 * Streaming: time advances hour by hour; each hour's rows (background + planted rows due in
 * that hour) are generated, sorted by queue time, numbered and written in ~1 MiB chunks with
 * fs.writeSync. Memory is one hour of rows plus the pattern plan, whatever `rows` is.
 * Deterministic: a seeded PRNG (one forked stream per concern), no clock, no Math.random.
 */
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { HarnessError } from '../common/errors.ts';
import { stableStringify } from '../common/hash.ts';
import { csvRow } from '../common/csv.ts';
import { isValidCalendarDate, parseStrictInteger } from '../common/parse.ts';
import { closeMonthOfDate, DEFAULT_CLOSE_WINDOW, formatMonth } from './close-window.ts';
import { createRng, type Rng } from './synth/prng.ts';
import { ensureParentDir, outputFileError } from './output-file.ts';

export const SYNTH_COLUMNS = [
  'PROCESS_QUEUE_ID',
  'PROCESS_ID',
  'STATUS_CD',
  'LOCAL_MACHINE_ID',
  'ASSIGNED_MACHINE_ID',
  'QUEUE_DT',
  'START_DT',
  'END_DT',
  'PARAM_DESCR_LIST',
  'USER_ID',
  'MASTER_PROCESS_QUEUE_ID',
  'PARENT_PROCESS_QUEUE_ID',
  'DEP_PROCESS_QUEUE_ID',
  'SCHEDULE_ID',
] as const;

export const SYNTH_MIN_ROWS = 1000;
export const SYNTH_MAX_ROWS = 100_000_000;

export interface SynthOptions {
  rows: number;
  seed: number;
  /** CSV file to write; the ground truth goes to `<out>.truth.json`. */
  out: string;
  /** First month, `YYYY-MM` (default 2025-01). */
  start?: string;
  /** Number of months (default 6, 2..36). */
  months?: number;
  /** Called every ~64k rows with the rows written so far. */
  onProgress?: (rowsWritten: number) => void;
}

export interface BatchInputClusterTruth {
  id: string;
  /** Process ids in run order (each depends on the previous via DEP_PROCESS_QUEUE_ID). */
  processIds: string[];
  closeMonth: string;
  key: string;
  /** Calls per process, aligned with processIds. */
  callCounts: number[];
  distinctKeyValues: number;
  firstQueueDt: string;
  lastQueueDt: string;
}

export interface SynthTruth {
  generator: 'stat-harness synth';
  truthVersion: 1;
  seed: number;
  rows: number;
  start: string;
  months: number;
  timezone: 'UTC';
  timestampFormat: 'YYYY-MM-DD HH:MM:SS';
  closeWindow: { startDay: number; endDay: number };
  closeMonths: { month: string; rows: number }[];
  batchInputClusters: BatchInputClusterTruth[];
  slowMachine: { machineId: string; factor: number; runs: number; meanRunSeconds: number; meanRunSecondsOtherMachines: number };
  duplicateRuns: { processId: string; params: string; userId: string; queueIds: string[]; spanSeconds: number }[];
  peakHourQueueing: { hoursUtc: number[]; weekdaysOnly: true; meanWaitSecondsPeak: number; meanWaitSecondsOffPeak: number };
  failingProcess: { processId: string; plantedErrorRate: number; runs: number; errors: number; errorRateOtherProcesses: number };
  dependencyChains: { processIds: string[]; scheduleId: string; runs: number }[];
}

export interface SynthResult {
  rows: number;
  out: string;
  truthPath: string;
  truth: SynthTruth;
}

// ---- the catalog: what a mid-size ERP batch scheduler runs ----

const BACKGROUND_PROCESSES = [
  'GL_JRNL_POST', 'GL_JRNL_EDIT', 'GL_ALLOC', 'GL_CONSOL', 'GL_REVAL', 'GL_TRIAL_BAL_RPT', 'AP_VCHR_BUILD', 'AP_VCHR_MATCH',
  'AP_PAY_CYCLE', 'AP_POSTING', 'AP_AGING_RPT', 'AR_PAYMENT_APPLY', 'AR_POSTING', 'AR_AGING_RPT', 'AR_DUNNING', 'AR_STMT_PRINT',
  'PO_SOURCING', 'PO_DISPATCH', 'PO_RECV_LOAD', 'PO_CLOSE', 'INV_COST_ACCT', 'INV_RECON', 'INV_REPLENISH', 'OM_ORDER_IMPORT',
  'OM_BILLING', 'OM_SHIP_CONFIRM', 'AM_DEPR_CALC', 'AM_TRANS_LOAD', 'BI_DATA_EXTRACT', 'BI_CUBE_REFRESH', 'HR_TIME_LOAD',
  'HR_PAY_CALC', 'HR_PAY_CONFIRM', 'CM_BANK_RECON', 'CM_STMT_LOAD', 'TX_VAT_RPT', 'EX_EXPENSE_POST', 'PC_PROJ_COSTING',
  'PC_REVENUE_RECOG', 'FS_AUDIT_EXTRACT', 'SYS_ARCHIVE', 'SYS_PURGE_LOG', 'SYS_STATS_UPD', 'WF_NOTIFY', 'RPT_FIN_PACK',
  'RPT_OPS_DAILY', 'RPT_MGMT_KPI', 'CR_CREDIT_REVIEW',
] as const;
const BUSINESS_UNITS = ['US001', 'US002', 'DE010', 'FR020', 'UK030', 'SG040'];
const LEDGERS = ['ACTUALS', 'BUDGET', 'STAT'];
const APP_MACHINES = ['APPSRV01', 'APPSRV02', 'APPSRV03', 'APPSRV04', 'APPSRV05', 'APPSRV06', 'APPSRV07', 'APPSRV08'];
const LOCAL_MACHINES = ['WEB01', 'WEB02', 'WEB03', 'BATCH01', 'BATCH02'];
const CLUSTER_TEMPLATES: { processes: string[]; key: string; prefix: string }[] = [
  { processes: ['PO_RECEIPT_LOAD', 'PO_RECEIPT_MATCH', 'PO_ACCRUAL_POST'], key: 'RECEIPT_NO', prefix: 'RCV' },
  { processes: ['AP_VENDOR_STMT', 'AP_VENDOR_RECON'], key: 'VENDOR_ID', prefix: 'V' },
  { processes: ['AR_CUST_INVOICE', 'AR_CUST_POST', 'AR_CUST_NOTIFY', 'AR_CUST_ARCHIVE'], key: 'CUSTOMER_ID', prefix: 'C' },
  { processes: ['GL_BU_CLOSE', 'GL_BU_REVAL', 'GL_BU_RPT'], key: 'BUSINESS_UNIT', prefix: 'BU' },
  { processes: ['INV_ITEM_COST', 'INV_ITEM_VALUE'], key: 'ITEM_ID', prefix: 'ITM' },
  { processes: ['PC_PROJECT_CLOSE', 'PC_PROJECT_BILL', 'PC_PROJECT_RPT'], key: 'PROJECT_ID', prefix: 'PRJ' },
];
const DEPENDENCY_CHAINS: { processes: string[]; scheduleId: string; hourUtc: number; weekdaysOnly: boolean }[] = [
  { processes: ['GL_EXTRACT', 'GL_TRANSFORM', 'GL_LOAD', 'GL_RECON'], scheduleId: 'SCH_GL_NIGHTLY', hourUtc: 1, weekdaysOnly: false },
  { processes: ['OM_INVOICE_IMPORT', 'OM_AUTOINVOICE', 'OM_INVOICE_POST'], scheduleId: 'SCH_OM_EARLY', hourUtc: 3, weekdaysOnly: true },
];
const PEAK_HOURS = [8, 9, 10];
const SLOW_FACTOR = 3;
const FAILING_ERROR_RATE = 0.35;
const BASE_ERROR_RATE = 0.015;
const CANCEL_RATE = 0.004;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// ---- options ----

interface Resolved {
  rows: number;
  seed: number;
  out: string;
  start: string;
  startMs: number;
  months: number;
  endMs: number;
}

function resolveOptions(o: SynthOptions): Resolved {
  const bad = (msg: string, hint?: string): never => {
    throw new HarnessError('usage', msg, hint === undefined ? {} : { hint });
  };
  if (!Number.isSafeInteger(o.rows) || o.rows < SYNTH_MIN_ROWS || o.rows > SYNTH_MAX_ROWS) {
    bad(`--rows must be an integer from ${SYNTH_MIN_ROWS} to ${SYNTH_MAX_ROWS}; got ${String(o.rows)}`, `below ${SYNTH_MIN_ROWS} rows the planted patterns do not fit`);
  }
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) bad(`--seed must be a non-negative integer; got ${String(o.seed)}`);
  const start = o.start ?? '2025-01';
  const m = /^(\d{4})-(\d{2})$/.exec(start);
  if (!m || !isValidCalendarDate(Number(m[1]), Number(m[2]), 1)) bad(`--start must be a month YYYY-MM; got "${start}"`);
  const months = o.months ?? 6;
  if (!Number.isSafeInteger(months) || months < 2 || months > 36) bad(`--months must be an integer from 2 to 36; got ${String(months)}`);
  if (typeof o.out !== 'string' || o.out === '') bad('--out is required');
  try {
    if (statSync(o.out).isDirectory()) bad(`--out ${o.out} is a directory`, 'name the CSV file to write');
  } catch (err) {
    if (err instanceof HarnessError) throw err;
  }
  const y = Number(m![1]);
  const mo = Number(m![2]) - 1;
  return { rows: o.rows, seed: o.seed, out: o.out, start, startMs: Date.UTC(y, mo, 1), months, endMs: Date.UTC(y, mo + months, 1) };
}

// ---- rows ----

interface SynthRow {
  queue: number;
  /** Creation order: ties in queue time keep predecessors first. */
  seq: number;
  processId: string;
  status: string;
  local: string;
  machine: string;
  /** NaN when cancelled before start. */
  start: number;
  end: number;
  params: string;
  user: string;
  master?: SynthRow;
  parent?: SynthRow;
  dep?: SynthRow;
  schedule: string;
  /** Assigned when written. */
  id?: string;
  onWrite?: (row: SynthRow) => void;
}

// ---- the plan: pattern instances placed in time before generation ----

interface ClusterPlan {
  truth: BatchInputClusterTruth;
  startMs: number;
  calls: number;
  spacingMs: number;
  fixedParams: string;
  prefix: string;
}

function closeWindowStart(monthStartMs: number): number {
  const d = new Date(monthStartMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), DEFAULT_CLOSE_WINDOW.startDay);
}

function isWeekend(ms: number): boolean {
  const wd = new Date(ms).getUTCDay();
  return wd === 0 || wd === 6;
}

/** Relative load of an hour: weekends low, close windows high, a diurnal curve with a morning peak. */
function hourWeight(ms: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  const h = d.getUTCHours();
  const weekend = isWeekend(ms);
  let w = weekend ? 0.35 : 1;
  if (day >= DEFAULT_CLOSE_WINDOW.startDay || day <= DEFAULT_CLOSE_WINDOW.endDay) w *= 2.2;
  const diurnal = h < 6 ? 0.3 : h < 8 ? 0.8 : h <= 10 ? 2.6 : h < 18 ? 1.2 : h < 22 ? 0.6 : 0.35;
  return w * diurnal;
}

function utcCloseMonth(ms: number): string | null {
  const d = new Date(ms);
  return closeMonthOfDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, DEFAULT_CLOSE_WINDOW);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD HH:MM:SS` (UTC), with the date part cached per day. */
function timestampFormatter(): (ms: number) => string {
  let cachedDay = NaN;
  let cachedPrefix = '';
  return (ms: number) => {
    const sec = Math.floor(ms / 1000);
    const day = Math.floor(sec / 86400);
    if (day !== cachedDay) {
      cachedDay = day;
      cachedPrefix = `${new Date(day * DAY).toISOString().slice(0, 10)} `;
    }
    const s = sec - day * 86400;
    return `${cachedPrefix}${pad2(Math.floor(s / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  };
}

/** Stream a synthetic log to `out` and its ground truth to `<out>.truth.json`. */
export function synthesizeLog(options: SynthOptions): SynthResult {
  const o = resolveOptions(options);
  const root = createRng(o.seed);
  const rngBg = root.fork('background');
  const rngPlan = root.fork('plan');
  const rngPattern = root.fork('patterns');

  // Per-process base run time (seconds), heavier processes first in a Zipf-like call frequency.
  const processes = BACKGROUND_PROCESSES.map((id, i) => ({ id, baseSec: 20 * Math.exp(rngPlan.next() * 4), weight: 1 / (i + 2) }));
  const processCum: number[] = [];
  processes.reduce((acc, p) => (processCum.push(acc + p.weight), acc + p.weight), 0);
  const totalProcessWeight = processCum[processCum.length - 1]!;
  const pickProcess = (rng: Rng) => {
    const x = rng.next() * totalProcessWeight;
    let lo = 0;
    let hi = processCum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (processCum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return processes[lo]!;
  };
  const slowMachine = rngPlan.pick(APP_MACHINES);
  const failing = processes[4 + rngPlan.int(8)]!; // a frequent-but-not-top process
  const users = Array.from({ length: 120 }, (_, i) => `U${String(i + 1).padStart(4, '0')}`);

  // Batch-input clusters: one per close month (cycling), sized by the row budget.
  const clusterCount = Math.min(Math.max(2, Math.floor(o.rows / 40_000)), 2 * o.months);
  const clusterPlans: ClusterPlan[] = [];
  for (let c = 0; c < clusterCount; c++) {
    const tpl = CLUSTER_TEMPLATES[c % CLUSTER_TEMPLATES.length]!;
    const round = Math.floor(c / CLUSTER_TEMPLATES.length);
    const suffix = round === 0 ? '' : `_${round + 1}`;
    const monthIndex = c % o.months;
    const monthStart = Date.UTC(new Date(o.startMs).getUTCFullYear(), new Date(o.startMs).getUTCMonth() + monthIndex, 1);
    const closeMonth = formatMonth(new Date(monthStart).getUTCFullYear(), new Date(monthStart).getUTCMonth() + 1);
    const chainLen = tpl.processes.length;
    const calls = Math.min(400, Math.max(10, Math.floor((0.1 * o.rows) / (clusterCount * chainLen))));
    // Calls spread over business hours of the first close days: 09:00 on day 20 (+c hours to keep clusters apart).
    const startMs = closeWindowStart(monthStart) + (9 + (c % 4)) * HOUR;
    const spacingMs = Math.max(20_000, Math.floor((3 * DAY) / calls));
    const processIds = tpl.processes.map((p) => `${p}${suffix}`);
    clusterPlans.push({
      truth: {
        id: `cluster-${c + 1}`,
        processIds,
        closeMonth,
        key: tpl.key,
        callCounts: processIds.map(() => calls),
        distinctKeyValues: calls,
        firstQueueDt: '',
        lastQueueDt: '',
      },
      startMs,
      calls,
      spacingMs,
      fixedParams: `BUSINESS_UNIT=${rngPlan.pick(BUSINESS_UNITS)};RUN_CNTL_ID=BI_${c + 1}`,
      prefix: tpl.prefix,
    });
  }

  // Recurring dependency chains on evenly spread days, within a row budget.
  const totalDays = Math.round((o.endMs - o.startMs) / DAY);
  const chainPlans = DEPENDENCY_CHAINS.map((chain) => {
    const eligible: number[] = [];
    for (let d = 0; d < totalDays; d++) if (!chain.weekdaysOnly || !isWeekend(o.startMs + d * DAY)) eligible.push(d);
    const runs = Math.min(eligible.length, Math.max(2, Math.floor((0.03 * o.rows) / chain.processes.length)));
    const days = new Set<number>();
    for (let k = 0; k < runs; k++) days.add(eligible[Math.floor((k * eligible.length) / runs)]!);
    return { chain, days, truth: { processIds: chain.processes, scheduleId: chain.scheduleId, runs } };
  });

  // Duplicate groups at evenly spread hours: an original plus 1–2 copies within minutes.
  const totalHours = totalDays * 24;
  const dupGroups = Math.min(300, Math.max(3, Math.floor(o.rows / 2000)));
  const dupCopies = Array.from({ length: dupGroups }, () => 1 + rngPlan.int(2));
  const dupHours = new Map<number, number>();
  for (let g = 0; g < dupGroups; g++) dupHours.set(Math.floor(((g + 0.5) * totalHours) / dupGroups), g);

  const plantedRows =
    clusterPlans.reduce((n, c) => n + c.calls * c.truth.processIds.length, 0) +
    chainPlans.reduce((n, c) => n + c.truth.runs * c.chain.processes.length, 0) +
    dupCopies.reduce((n, k) => n + 1 + k, 0);
  const background = o.rows - plantedRows;
  if (background < o.rows * 0.4) {
    throw new HarnessError('internal', `synth plan leaves too few background rows (${background} of ${o.rows})`);
  }

  // Background rows per hour by cumulative rounding (sums exactly to `background`).
  const weights = new Float64Array(totalHours);
  let totalWeight = 0;
  for (let h = 0; h < totalHours; h++) totalWeight += weights[h] = hourWeight(o.startMs + h * HOUR);

  // ---- output (temp files, renamed at the end: a failed run leaves nothing half-written) ----
  const truthPath = `${o.out}.truth.json`;
  const tmpOut = `${o.out}.tmp-${process.pid}`;
  let fd: number;
  ensureParentDir(o.out);
  try {
    fd = openSync(tmpOut, 'w');
  } catch (err) {
    throw outputFileError(o.out, err);
  }
  const fmt = timestampFormatter();
  let chunk = csvRow(SYNTH_COLUMNS);
  let written = 0;
  let nextId = 1_000_001;
  let seq = 0;
  const closeCounts = new Map<string, number>();
  const stats = {
    slowRuns: 0, slowSec: 0, otherRuns: 0, otherSec: 0,
    peakWait: 0, peakN: 0, offWait: 0, offN: 0,
    failRuns: 0, failErrors: 0, otherStatusRuns: 0, otherErrors: 0,
  };
  const duplicateTruth: SynthTruth['duplicateRuns'] = [];
  let pending: SynthRow[] = [];

  const runTimes = (queue: number, baseSec: number, machine: string, waitMeanSec: number, rng: Rng): { start: number; end: number } => {
    // Whole seconds throughout: the CSV has second resolution, and the truth statistics match it exactly.
    const start = queue + Math.round(rng.exp(waitMeanSec)) * 1000;
    const factor = machine === slowMachine ? SLOW_FACTOR : 1;
    const end = start + Math.max(1, Math.round(baseSec * (0.6 + 0.8 * rng.next()) * factor)) * 1000;
    return { start, end };
  };
  const makeRow = (fields: Omit<SynthRow, 'seq'>): SynthRow => ({ ...fields, seq: seq++ });

  const backgroundParams = (rng: Rng): string =>
    `BUSINESS_UNIT=${rng.pick(BUSINESS_UNITS)};LEDGER=${rng.pick(LEDGERS)};RUN_CNTL_ID=RC${String(rng.int(900) + 100)}`;

  const backgroundRow = (queue: number, rng: Rng): SynthRow => {
    const p = pickProcess(rng);
    const machine = rng.pick(APP_MACHINES);
    const hourOfDay = new Date(queue).getUTCHours();
    const peak = PEAK_HOURS.includes(hourOfDay) && !isWeekend(queue);
    const waitMean = peak ? 420 : 15;
    const r = rng.next();
    const cancelled = r < CANCEL_RATE;
    const errorRate = p === failing ? FAILING_ERROR_RATE : BASE_ERROR_RATE;
    const error = !cancelled && rng.next() < errorRate;
    const t = runTimes(queue, error ? p.baseSec * 0.3 : p.baseSec, machine, waitMean, rng);
    return makeRow({
      queue,
      processId: p.id,
      status: cancelled ? 'CANCELLED' : error ? 'ERROR' : 'COMPLETED',
      local: rng.pick(LOCAL_MACHINES),
      machine,
      start: cancelled ? NaN : t.start,
      end: cancelled ? NaN : t.end,
      params: backgroundParams(rng),
      user: rng.pick(users),
      schedule: '',
    });
  };

  /** A chain of dependent runs: each step queued a few seconds after its predecessor ends. */
  const chainRows = (firstQueue: number, processIds: readonly string[], params: (step: number) => string, schedule: string, user: string, baseSec: number, rng: Rng): SynthRow[] => {
    const rows: SynthRow[] = [];
    let queue = firstQueue;
    for (let s = 0; s < processIds.length; s++) {
      const machine = rng.pick(APP_MACHINES);
      const t = runTimes(queue, baseSec, machine, 5, rng);
      const prev = rows[s - 1];
      const row = makeRow({
        queue,
        processId: processIds[s]!,
        status: 'COMPLETED',
        local: 'BATCH01',
        machine,
        start: t.start,
        end: t.end,
        params: params(s),
        user,
        schedule,
        ...(prev ? { master: rows[0]!, parent: prev, dep: prev } : {}),
      });
      rows.push(row);
      queue = t.end + (1 + rng.int(20)) * 1000;
    }
    return rows;
  };

  const flush = (force: boolean): void => {
    if (chunk.length >= 1 << 16 || (force && chunk.length > 0)) {
      writeSync(fd, chunk);
      chunk = '';
    }
  };

  const writeRow = (row: SynthRow): void => {
    row.id = String(nextId++);
    chunk += csvRow([
      row.id,
      row.processId,
      row.status,
      row.local,
      row.machine,
      fmt(row.queue),
      Number.isNaN(row.start) ? '' : fmt(row.start),
      Number.isNaN(row.end) ? '' : fmt(row.end),
      row.params,
      row.user,
      row.master?.id ?? '',
      row.parent?.id ?? '',
      row.dep?.id ?? '',
      row.schedule,
    ]);
    // Statistics for the truth file, from the rows exactly as written.
    if (!Number.isNaN(row.start)) {
      const run = (row.end - row.start) / 1000;
      if (row.machine === slowMachine) (stats.slowRuns++, (stats.slowSec += run));
      else (stats.otherRuns++, (stats.otherSec += run));
      const wait = (row.start - row.queue) / 1000;
      if (PEAK_HOURS.includes(new Date(row.queue).getUTCHours()) && !isWeekend(row.queue)) (stats.peakN++, (stats.peakWait += wait));
      else (stats.offN++, (stats.offWait += wait));
    }
    if (row.status !== 'CANCELLED') {
      if (row.processId === failing.id) (stats.failRuns++, row.status === 'ERROR' && stats.failErrors++);
      else (stats.otherStatusRuns++, row.status === 'ERROR' && stats.otherErrors++);
    }
    row.onWrite?.(row);
    written++;
    if ((written & 0xffff) === 0) options.onProgress?.(written);
    flush(false);
  };

  try {
    let cumWeight = 0;
    let assigned = 0;
    for (let h = 0; h < totalHours; h++) {
      const hourStart = o.startMs + h * HOUR;
      const hourEnd = hourStart + HOUR;
      const rng = rngBg;
      cumWeight += weights[h]!;
      const target = h === totalHours - 1 ? background : Math.round((background * cumWeight) / totalWeight);
      const count = target - assigned;
      assigned = target;

      // Planted pattern instances that start in this hour.
      const hourOfDay = h % 24;
      const dayIndex = Math.floor(h / 24);
      for (const cp of chainPlans) {
        if (hourOfDay === cp.chain.hourUtc && cp.days.has(dayIndex)) {
          pending.push(...chainRows(hourStart + rngPattern.int(600) * 1000, cp.chain.processes, () => `LEDGER=ACTUALS;RUN_CNTL_ID=${cp.chain.scheduleId}`, cp.chain.scheduleId, 'BATCHUSR', 240, rngPattern));
        }
      }
      for (const cl of clusterPlans) {
        if (cl.startMs >= hourStart && cl.startMs < hourEnd) {
          const user = rngPattern.pick(users);
          for (let call = 0; call < cl.calls; call++) {
            const value = `${cl.prefix}${String(call + 1).padStart(5, '0')}`;
            const rows = chainRows(cl.startMs + call * cl.spacingMs, cl.truth.processIds, () => `${cl.truth.key}=${value};${cl.fixedParams}`, '', user, 45, rngPattern);
            if (call === 0) rows[0]!.onWrite = (r) => (cl.truth.firstQueueDt = fmt(r.queue));
            if (call === cl.calls - 1) rows[0]!.onWrite = (r) => (cl.truth.lastQueueDt = fmt(r.queue));
            pending.push(...rows);
          }
        }
      }
      const dup = dupHours.get(h);
      if (dup !== undefined) {
        const original = backgroundRow(hourStart + rngPattern.int(1800) * 1000, rngPattern);
        original.status = 'COMPLETED';
        if (Number.isNaN(original.start)) {
          const t = runTimes(original.queue, 60, original.machine, 15, rngPattern);
          original.start = t.start;
          original.end = t.end;
        }
        const group: SynthRow[] = [original];
        let queue = original.queue;
        for (let k = 0; k < dupCopies[dup]!; k++) {
          queue += (60 + rngPattern.int(420)) * 1000;
          const t = runTimes(queue, 60, original.machine, 15, rngPattern);
          group.push(makeRow({ ...original, queue, start: t.start, end: t.end, onWrite: undefined } as Omit<SynthRow, 'seq'>));
        }
        const truth = { processId: original.processId, params: original.params, userId: original.user, queueIds: [] as string[], spanSeconds: (queue - original.queue) / 1000 };
        duplicateTruth.push(truth);
        for (const r of group) r.onWrite = (w) => truth.queueIds.push(w.id!);
        pending.push(...group);
      }

      // This hour's rows: background plus planted rows due now, in queue-time order.
      const rows: SynthRow[] = [];
      for (let i = 0; i < count; i++) rows.push(backgroundRow(hourStart + rng.int(3600) * 1000, rng));
      const later: SynthRow[] = [];
      for (const p of pending) (p.queue < hourEnd || h === totalHours - 1 ? rows : later).push(p);
      pending = later;
      rows.sort((a, b) => a.queue - b.queue || a.seq - b.seq);
      const month = utcCloseMonth(hourStart);
      for (const row of rows) {
        writeRow(row);
        // Only the last hour can hold rows queued outside it (planted rows running past the end).
        const m = row.queue >= hourStart && row.queue < hourEnd ? month : utcCloseMonth(row.queue);
        if (m !== null) closeCounts.set(m, (closeCounts.get(m) ?? 0) + 1);
      }
    }
    flush(true);
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmpOut, { force: true });
    throw err;
  }
  if (written !== o.rows) {
    rmSync(tmpOut, { force: true });
    throw new HarnessError('internal', `synth wrote ${written} rows instead of ${o.rows}`);
  }

  const round2 = (x: number): number => Math.round(x * 100) / 100;
  const truth: SynthTruth = {
    generator: 'stat-harness synth',
    truthVersion: 1,
    seed: o.seed,
    rows: o.rows,
    start: o.start,
    months: o.months,
    timezone: 'UTC',
    timestampFormat: 'YYYY-MM-DD HH:MM:SS',
    closeWindow: { ...DEFAULT_CLOSE_WINDOW },
    closeMonths: [...closeCounts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([month, rows]) => ({ month, rows })),
    batchInputClusters: clusterPlans.map((c) => c.truth),
    slowMachine: {
      machineId: slowMachine,
      factor: SLOW_FACTOR,
      runs: stats.slowRuns,
      meanRunSeconds: round2(stats.slowSec / Math.max(1, stats.slowRuns)),
      meanRunSecondsOtherMachines: round2(stats.otherSec / Math.max(1, stats.otherRuns)),
    },
    duplicateRuns: duplicateTruth,
    peakHourQueueing: {
      hoursUtc: PEAK_HOURS,
      weekdaysOnly: true,
      meanWaitSecondsPeak: round2(stats.peakWait / Math.max(1, stats.peakN)),
      meanWaitSecondsOffPeak: round2(stats.offWait / Math.max(1, stats.offN)),
    },
    failingProcess: {
      processId: failing.id,
      plantedErrorRate: FAILING_ERROR_RATE,
      runs: stats.failRuns,
      errors: stats.failErrors,
      errorRateOtherProcesses: round2((stats.otherErrors / Math.max(1, stats.otherStatusRuns)) * 10_000) / 10_000,
    },
    dependencyChains: chainPlans.map((c) => c.truth),
  };
  const tmpTruth = `${truthPath}.tmp-${process.pid}`;
  const tfd = openSync(tmpTruth, 'w');
  writeSync(tfd, `${stableStringify(truth, 2)}\n`);
  closeSync(tfd);
  renameSync(tmpOut, o.out);
  renameSync(tmpTruth, truthPath);
  return { rows: written, out: o.out, truthPath, truth };
}

/** Parse the CLI's numeric flags strictly (`Number('')` is 0, `parseInt('1e6')` is 1). */
export function parseSynthInteger(flag: string, text: string): number {
  const n = parseStrictInteger(text.replace(/_/g, ''));
  if (n === undefined) throw new HarnessError('usage', `${flag} must be an integer; got "${text}"`);
  return n;
}
