// A few numbers per run that the run index compares side by side (throughput, latency percentiles,
// verdict per checker). They are cached next to the report as report-stats.json so regenerating the
// index after every run does not re-read every stored history.
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportPayload } from './payload.ts';
import { readHistory } from './run-folder.ts';
import { historySpan, latencyStats, type LatencyStats } from './stats.ts';
import { pairOps } from '../harness/history/pair.ts';
import { faultWindows } from '../harness/history/faults.ts';

export interface RunStats {
  /** Completed ok ops per second over the whole history. */
  okPerSec: number;
  records: number;
  faults: number;
  latency: Pick<LatencyStats, 'f' | 'count' | 'p50' | 'p90' | 'p99' | 'max'>[];
}

const STATS_FILE = 'report-stats.json';

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function fromLatency(latency: LatencyStats[], okOps: number, spanMs: number, records: number, faults: number): RunStats {
  return {
    okPerSec: spanMs > 0 ? (okOps * 1000) / spanMs : 0, records, faults,
    latency: latency.map(({ f, count, p50, p90, p99, max }) => ({ f, count, p50, p90, p99, max })),
  };
}

export function statsOfPayload(p: ReportPayload): RunStats {
  return fromLatency(p.latency, p.latency.reduce((n, l) => n + l.ok, 0), p.spanMs, p.records, p.faults.length);
}

export async function writeStats(runDir: string, payload: ReportPayload): Promise<void> {
  await writeFile(path.join(runDir, STATS_FILE), JSON.stringify(statsOfPayload(payload)));
}

/** Cached stats of a run, recomputed from history.jsonl when the cache is missing or older than it. */
export async function runStats(runDir: string): Promise<RunStats | null> {
  const historyFile = path.join(runDir, 'history.jsonl');
  const [h, c] = await Promise.all([stat(historyFile).catch(() => null), stat(path.join(runDir, STATS_FILE)).catch(() => null)]);
  if (c && (!h || c.mtimeMs >= h.mtimeMs)) {
    try { return JSON.parse(await readFile(path.join(runDir, STATS_FILE), 'utf8')) as RunStats; } catch { /* recompute below */ }
  }
  if (!h) return null;
  const { history } = await readHistory(historyFile);
  const pairs = pairOps(history, { lenient: true });
  const faults = faultWindows(history).length;
  const stats = fromLatency(latencyStats(pairs), pairs.filter((p) => p.type === 'ok').length, historySpan(history), history.length, faults);
  await writeFile(path.join(runDir, STATS_FILE), JSON.stringify(stats)).catch(() => undefined);
  return stats;
}
