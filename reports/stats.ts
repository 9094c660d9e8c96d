// Summaries of a history that stay small however long the run was: latency percentiles per op kind,
// throughput and latency binned over time, and the nemesis fault windows as text. They work on the
// pairs of harness/history/pair.ts (lenient mode) and the windows of harness/history/faults.ts, the
// same readers the checkers use; reports and the run index both draw from these, so the numbers on
// both pages are the same.
import type { Op, PairedOp } from '../harness/history/op.ts';
import { faultWindows, type FaultWindow } from '../harness/history/faults.ts';

/** A fault window as the page draws it: its detail already short text. */
export interface FaultView extends Omit<FaultWindow, 'detail' | 'startIndex'> {
  detail?: string;
}

export interface LatencyStats {
  f: string;
  count: number;
  ok: number;
  fail: number;
  info: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Throughput in completions per second, one value per bin, split by outcome. */
export interface ThroughputSeries {
  binMs: number;
  t: number[];
  ok: number[];
  fail: number[];
  info: number[];
}

/** Median and maximum latency of each op kind per time bin (null where a bin had no completion). */
export interface LatencySeries {
  binMs: number;
  t: number[];
  kinds: { f: string; p50: (number | null)[]; max: (number | null)[] }[];
}

/** The fault windows (harness/history/faults.ts, the checkers' reader) with their detail as text. */
export function faultViews(history: readonly Op[]): FaultView[] {
  return faultWindows(history).map(({ startIndex: _, detail, ...w }) => ({ ...w, ...(detail !== undefined ? { detail: describeValue(detail, 200) } : {}) }));
}

/** Short one-line text of a JSON value, for labels and tables. */
export function describeValue(value: unknown, max = 120): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return 0;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** Latency percentiles per op kind (all outcomes; info latencies run to the timeout or history end). */
export function latencyStats(pairs: readonly PairedOp[]): LatencyStats[] {
  const byKind = new Map<string, PairedOp[]>();
  for (const p of pairs) (byKind.get(p.f) ?? byKind.set(p.f, []).get(p.f)!).push(p);
  return [...byKind.entries()].map(([f, ops]) => {
    const lat = ops.map((p) => p.end - p.start).sort((a, b) => a - b);
    const count = (t: string) => ops.filter((p) => p.type === t).length;
    return {
      f, count: ops.length, ok: count('ok'), fail: count('fail'), info: count('info'),
      p50: percentile(lat, 0.5), p90: percentile(lat, 0.9), p99: percentile(lat, 0.99), max: lat[lat.length - 1] ?? 0,
    };
  }).sort((a, b) => b.count - a.count);
}

const NICE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** The smallest round bin width (ms) that splits `spanMs` into at most `maxBins` bins. */
export function binWidth(spanMs: number, maxBins: number): number {
  const wanted = Math.max(spanMs, 1) / maxBins;
  return NICE_STEPS.find((s) => s >= wanted) ?? Math.ceil(wanted / 3_600_000) * 3_600_000;
}

function binsFor(spanMs: number, maxBins: number) {
  const binMs = binWidth(spanMs, maxBins);
  const n = Math.max(1, Math.ceil(Math.max(spanMs, 1) / binMs));
  return { binMs, n, t: Array.from({ length: n }, (_, i) => (i * binMs) / 1000) };
}

/** Completions per second in each bin, split into ok / fail / info; bins start at time 0. */
export function throughput(pairs: readonly PairedOp[], spanMs: number, maxBins = 500): ThroughputSeries {
  const { binMs, n, t } = binsFor(spanMs, maxBins);
  const series = { binMs, t, ok: new Array<number>(n).fill(0), fail: new Array<number>(n).fill(0), info: new Array<number>(n).fill(0) };
  const perSecond = 1000 / binMs;
  for (const p of pairs) {
    if (p.completeIndex < 0) continue;
    const bin = Math.min(n - 1, Math.max(0, Math.floor(p.end / binMs)));
    series[p.type][bin] += perSecond;
  }
  return series;
}

/** Median and max latency per kind per bin, by completion time; at most `maxKinds` kinds (the busiest). */
export function latencySeries(pairs: readonly PairedOp[], spanMs: number, maxBins = 400, maxKinds = 8): LatencySeries {
  const { binMs, n, t } = binsFor(spanMs, maxBins);
  const counts = new Map<string, number>();
  for (const p of pairs) counts.set(p.f, (counts.get(p.f) ?? 0) + 1);
  const kinds = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, maxKinds).map(([f]) => f);
  const cells = new Map(kinds.map((f) => [f, Array.from({ length: n }, () => [] as number[])]));
  for (const p of pairs) {
    const row = cells.get(p.f);
    if (row) row[Math.min(n - 1, Math.max(0, Math.floor(p.end / binMs)))].push(p.end - p.start);
  }
  return {
    binMs, t,
    kinds: kinds.map((f) => {
      const rows = cells.get(f)!.map((c) => c.sort((a, b) => a - b));
      return { f, p50: rows.map((c) => (c.length ? percentile(c, 0.5) : null)), max: rows.map((c) => (c.length ? c[c.length - 1] : null)) };
    }),
  };
}

/** The time span a history covers (ms), from 0 to its last record. */
export function historySpan(history: readonly Op[]): number {
  let max = 0;
  for (const op of history) if (op.time > max) max = op.time;
  return max;
}
