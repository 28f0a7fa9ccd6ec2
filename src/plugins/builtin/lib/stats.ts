/**
 * Small numeric helpers shared by the built-in analysis plugins. This folder has no index
 * file, so plugin discovery (pluginFilesIn) never mistakes it for a plugin.
 */

/** Round half away from zero to `digits` decimals (deterministic figures in results). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function pct(share: number, digits = 1): string {
  return `${round(share * 100, digits)}%`;
}

/** Quantile (linear interpolation) of an ascending-sorted array; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median of an unsorted list (copied, the input is left alone). */
export function median(values: readonly number[]): number {
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

/**
 * Wilson score interval lower bound (95%) of a proportion: a failure rate we are confident
 * is at least this high, so 3 failures in 10 runs is not treated like 300 in 1,000.
 */
export function wilsonLower(successes: number, n: number, z = 1.96): number {
  if (n === 0) return 0;
  const p = successes / n;
  const z2 = z * z;
  return Math.max(0, (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n));
}

/**
 * Fixed-size log-scale histogram of positive durations (seconds): bounded memory per cell
 * whatever the row count, quantiles accurate to one bin (2^(1/8) ≈ 9% wide). Two histograms
 * can be added or subtracted, so "this machine" vs "every other machine" needs no second pass.
 */
export const HIST_BINS_PER_OCTAVE = 8;
/** 2^-4 s (62 ms) … 2^24 s (194 days): wider values land in the end bins. */
const HIST_MIN_EXP = -4;
const HIST_MAX_EXP = 24;
export const HIST_BINS = (HIST_MAX_EXP - HIST_MIN_EXP) * HIST_BINS_PER_OCTAVE;

export function histBin(seconds: number): number {
  if (!(seconds > 0)) return 0;
  const b = Math.floor((Math.log2(seconds) - HIST_MIN_EXP) * HIST_BINS_PER_OCTAVE);
  return b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
}

/** Geometric centre of a bin, in seconds. */
export function histBinValue(bin: number): number {
  return 2 ** ((bin + 0.5) / HIST_BINS_PER_OCTAVE + HIST_MIN_EXP);
}

export function histCount(h: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < h.length; i++) n += h[i]!;
  return n;
}

/** Approximate quantile of a histogram (value at the bin holding the q-th observation). */
export function histQuantile(h: Uint32Array, q: number): number {
  const n = histCount(h);
  if (n === 0) return NaN;
  const target = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i]!;
    if (seen >= target) return histBinValue(i);
  }
  return histBinValue(h.length - 1);
}

/** Text for a duration in seconds, e.g. "5,400 s (1.5 h)". */
export function fmtSeconds(seconds: number): string {
  const s = Math.round(seconds);
  const grouped = String(s).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  if (s >= 3600) return `${grouped} s (${round(s / 3600)} h)`;
  if (s >= 120) return `${grouped} s (${round(s / 60)} min)`;
  return `${grouped} s`;
}

/** Deterministic string order (code units, never locale-dependent). */
export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isoUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}
