// The comparison of `faultline compare`: a row per target and seed with the verdict of every checker,
// throughput, latency percentiles and the failover/recovery measurements, as a terminal table, as JSON
// and as an HTML page in the store that the run index links to. Built from the runs' outcomes and the
// same per-run stats the run index shows.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResult, Validity } from '../harness/checker/result.ts';
import { runStats } from './run-stats.ts';
import { renderComparison, writeIndex } from './index-page.ts';

export interface ComparedRun {
  target: string;
  seed: number;
  dir: string;
  valid: Validity;
  summary: string;
  checks: Record<string, Validity>;
  ops: number;
  okPerSec: number | null;
  latency: Record<string, { p50: number; p99: number }>;
  /** Failover / recovery / start-up measurements from result.json metrics. */
  metrics: Record<string, number>;
}

export interface Comparison {
  scenario: string;
  startedAt: string;
  targets: string[];
  seeds: number[];
  runs: ComparedRun[];
  /** Per target: how many seeds ended valid / invalid / unknown. */
  totals: Record<string, { valid: number; invalid: number; unknown: number }>;
}

/** One row of the comparison: the run's verdicts and result metrics, with its stats from the history. */
export async function comparedRun(store: string, run: { target: string; seed: number; dir: string; result: RunResult }): Promise<ComparedRun> {
  const { target, seed, dir, result } = run;
  const stats = await runStats(dir).catch(() => null);
  return {
    target, seed, dir: path.relative(store, dir), valid: result.valid, summary: result.summary,
    checks: Object.fromEntries(result.checks.map((c) => [c.checker, c.valid])), ops: result.ops,
    okPerSec: stats ? Math.round(stats.okPerSec * 10) / 10 : null,
    latency: Object.fromEntries((stats?.latency ?? []).map((l) => [l.f, { p50: l.p50, p99: l.p99 }])),
    metrics: result.metrics ?? {},
  };
}

/** The comparison of `runs` with the totals per target. */
export function comparisonOf(scenario: string, startedAt: string, targets: string[], seeds: number[], runs: ComparedRun[]): Comparison {
  const totals: Comparison['totals'] = {};
  for (const t of targets) {
    const mine = runs.filter((r) => r.target === t);
    totals[t] = { valid: mine.filter((r) => r.valid === true).length, invalid: mine.filter((r) => r.valid === false).length, unknown: mine.filter((r) => r.valid === 'unknown').length };
  }
  return { scenario, startedAt, targets, seeds, runs, totals };
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** Writes store/compare/<scenario>-<time>.json and .html (and refreshes the run index). The page is
 *  best effort: when it cannot be drawn, `html` is null and `log` says why. */
export async function writeComparison(store: string, c: Comparison, log: (line: string) => void): Promise<{ json: string; html: string | null }> {
  const base = path.join(store, 'compare', `${c.scenario}-${stamp()}`);
  await mkdir(path.dirname(base), { recursive: true });
  await writeFile(`${base}.json`, JSON.stringify(c, null, 2) + '\n');
  try {
    await writeFile(`${base}.html`, await renderComparison(store, c));
    await writeIndex(store);
    return { json: `${base}.json`, html: `${base}.html` };
  } catch (err) {
    log(`compare: could not write the HTML page: ${err instanceof Error ? err.message : String(err)}`);
    return { json: `${base}.json`, html: null };
  }
}

const verdict = (v: Validity) => (v === true ? 'valid' : v === false ? 'INVALID' : 'unknown');
const fmt = (n: number | null | undefined, unit = '') => (typeof n === 'number' && Number.isFinite(n) ? `${Math.round(n * 10) / 10}${unit}` : '–');

/** The comparison as a plain-text table (one row per target and seed). */
export function comparisonTable(c: Comparison): string {
  const checkers = [...new Set(c.runs.flatMap((r) => Object.keys(r.checks)))];
  const kinds = [...new Set(c.runs.flatMap((r) => Object.keys(r.latency)))].slice(0, 3);
  const metricNames = [...new Set(c.runs.flatMap((r) => Object.keys(r.metrics)))].filter((m) => /failover|recover|startMs|opsPerSec/i.test(m));
  const head = ['target', 'seed', 'verdict', ...checkers, 'ops', 'ok/s', ...kinds.flatMap((k) => [`${k} p50`, `${k} p99`]), ...metricNames];
  const rows = c.runs.map((r) => [
    r.target, String(r.seed), verdict(r.valid), ...checkers.map((k) => (k in r.checks ? verdict(r.checks[k]) : '–')), String(r.ops), fmt(r.okPerSec),
    ...kinds.flatMap((k) => [fmt(r.latency[k]?.p50, 'ms'), fmt(r.latency[k]?.p99, 'ms')]), ...metricNames.map((m) => fmt(r.metrics[m])),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  const totals = Object.entries(c.totals).map(([t, n]) => `${t}: ${n.valid} valid, ${n.invalid} invalid, ${n.unknown} unknown`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', ...totals].join('\n');
}
