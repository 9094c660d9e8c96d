// `faultline compare`: one scenario, several targets, the same seeds (hence the same op mixes and
// fault schedules), side by side. The runs are ordinary runs in the store (so the run index shows
// them too); the comparison adds a table per target and seed with the verdict of every checker,
// throughput, latency percentiles and the failover/recovery measurements, written to the terminal,
// to JSON and to an HTML page in the store that the run index links to.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Validity } from '../checker/result.ts';
import type { RuntimeKind } from '../runtime/types.ts';
import type { SshSettings } from '../runtime/ssh/settings.ts';
import { runScenario } from './run.ts';
import { loadScenario, loadTarget, ROOT } from './registry.ts';
import { checkRunOptions } from './options.ts';
import { parseTargetSpec } from '../target.ts';

export interface CompareOptions {
  scenario: string;
  targets: string[];
  seeds: number[];
  runtime?: RuntimeKind;
  timeLimit?: number;
  nodes?: number;
  store?: string;
  log?: (line: string) => void;
  /** Machines and credentials for `--runtime ssh`. */
  ssh?: SshSettings;
}

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

/** Checks every target spec (options, bugs, nodes) against the scenario, as each run would. */
async function checkTargets(o: CompareOptions): Promise<void> {
  const scenario = await loadScenario(o.scenario);
  for (const spec of o.targets) {
    const { name, options } = parseTargetSpec(spec);
    checkRunOptions({ scenario, target: await loadTarget(name), overrides: options, nodes: o.nodes });
  }
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

async function statsOf(dir: string) {
  try {
    const { runStats } = await import('../../reports/run-stats.ts');
    return await runStats(dir);
  } catch {
    return null;
  }
}

export async function compare(o: CompareOptions): Promise<{ comparison: Comparison; json: string; html: string | null }> {
  const store = path.resolve(o.store ?? path.join(ROOT, 'store'));
  const log = o.log ?? (() => {});
  await checkTargets(o); // a bad spec among several is refused before the first run starts
  const startedAt = new Date().toISOString();
  const runs: ComparedRun[] = [];
  for (const seed of o.seeds) {
    for (const target of o.targets) {
      log(`compare: ${o.scenario} on ${target}, seed ${seed}`);
      const { dir, result } = await runScenario({
        scenario: o.scenario, target, seed, runtime: o.runtime, timeLimit: o.timeLimit, nodes: o.nodes, log, store, ssh: o.ssh,
        out: path.join(store, o.scenario, `${stamp()}-${target.replace(/[^A-Za-z0-9=-]+/g, '_')}-s${seed}`),
      });
      const stats = await statsOf(dir);
      runs.push({
        target, seed, dir: path.relative(store, dir), valid: result.valid, summary: result.summary,
        checks: Object.fromEntries(result.checks.map((c) => [c.checker, c.valid])), ops: result.ops,
        okPerSec: stats ? Math.round(stats.okPerSec * 10) / 10 : null,
        latency: Object.fromEntries((stats?.latency ?? []).map((l) => [l.f, { p50: l.p50, p99: l.p99 }])),
        metrics: result.metrics ?? {},
      });
    }
  }
  const totals: Comparison['totals'] = {};
  for (const t of o.targets) {
    const mine = runs.filter((r) => r.target === t);
    totals[t] = { valid: mine.filter((r) => r.valid === true).length, invalid: mine.filter((r) => r.valid === false).length, unknown: mine.filter((r) => r.valid === 'unknown').length };
  }
  const comparison: Comparison = { scenario: o.scenario, startedAt, targets: o.targets, seeds: o.seeds, runs, totals };
  const base = path.join(store, 'compare', `${o.scenario}-${stamp()}`);
  await mkdir(path.dirname(base), { recursive: true });
  await writeFile(`${base}.json`, JSON.stringify(comparison, null, 2) + '\n');
  const html = await writeComparePage(store, `${base}.html`, comparison).catch((err: unknown) => {
    log(`compare: could not write the HTML page: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  });
  return { comparison, json: `${base}.json`, html };
}

async function writeComparePage(store: string, file: string, c: Comparison): Promise<string> {
  const reports = await import('../../reports/index-page.ts');
  await writeFile(file, await reports.renderComparison(store, c));
  await reports.writeIndex(store);
  return file;
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
