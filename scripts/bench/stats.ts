/** Small statistics and formatting helpers for the bench. */

/** The q-quantile (0..1) of `values` by nearest rank; NaN when empty. Does not modify `values`. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Count, median, p95, p99, max and mean, sorting once. */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0)
    return { n, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[n - 1]!, mean: sum / n };
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** A number for a table cell: 3 significant digits, thousands grouped. */
export function fmt(v: number | undefined | null, digits = 3): string {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs === 0) return '0';
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return v.toFixed(Math.min(decimals, 3));
}

export function fmtBytes(v: number): string {
  if (Math.abs(v) >= 1024 * 1024) return `${fmt(v / 1024 / 1024)} MB`;
  if (Math.abs(v) >= 1024) return `${fmt(v / 1024)} KB`;
  return `${Math.round(v)} B`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
