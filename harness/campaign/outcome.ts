// What became of one run, read from what the `faultline scenario` child left behind: its exit and its
// run folder's result.json (verdict, checks, metrics, replay command, and after --shrink the shrunk
// run's replay). A child that left no result.json is a harness error, told with the last line it
// printed; a child cut short by Ctrl-C is `interrupted`, whatever it had written.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../checker/result.ts';
import { onlyKnownIssues } from '../scenario/known-issues.ts';
import { checkKinds } from './kind.ts';
import type { CampaignRun, Expectation, FailingCheck, RunOutcome, RunVerdict, ShrinkInfo } from './types.ts';

export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** The campaign stopped it because it ran past its deadline. */
  deadline?: boolean;
  /** The campaign was interrupted while it ran. */
  interrupted?: boolean;
  /** The last lines it printed. */
  tail: string;
}

/** Result metrics that are failover / recovery figures (ms), shown per scenario × target. */
export const isFigure = (metric: string) => /failover|recover|firstOk/i.test(metric) && !/startMs$/.test(metric);

const verdictWord = (v: RunResult['valid']) => (v === true ? 'VALID' : v === false ? 'INVALID' : 'UNKNOWN');

function readResult(file: string): RunResult | null {
  if (!existsSync(file)) return null;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as RunResult;
    return r && typeof r === 'object' && Array.isArray(r.checks) ? r : null;
  } catch {
    return null;
  }
}

function shrinkInfo(r: RunResult): ShrinkInfo | undefined {
  const s = r.shrink as { replay?: string; stopped?: string; attempts?: unknown[]; original?: Shape; shrunk?: Shape } | undefined;
  if (!s || typeof s.replay !== 'string' || !s.original || !s.shrunk) return undefined;
  return { replay: s.replay, change: `${shape(s.original)} → ${shape(s.shrunk)}`, stopped: String(s.stopped ?? '?'), attempts: s.attempts?.length ?? 0 };
}

interface Shape { schedule: unknown[]; concurrency: number; timeLimit: number }
const shape = (x: Shape) => `${x.schedule.length} fault${x.schedule.length === 1 ? '' : 's'}, ${x.concurrency} client${x.concurrency === 1 ? '' : 's'}, ${x.timeLimit} s`;

/** How the run's verdict compares with what it was expected to show; `onlyKnown`: every violation
 *  of the run matches a known upstream issue. */
export function outcomeOf(verdict: RunVerdict, expect: Expectation, onlyKnown = false): RunOutcome {
  if (verdict === 'unknown' || verdict === 'error') return 'error';
  if (expect === 'valid') return verdict === 'valid' ? 'pass' : onlyKnown ? 'known' : 'fail';
  if (expect === 'violation') return verdict === 'invalid' ? 'pass' : 'fail';
  return 'pass';
}

/** The run's fields once its child has exited. */
export function readOutcome(run: CampaignRun, campaignDir: string, exit: ChildExit): Partial<CampaignRun> {
  const dir = path.join(campaignDir, run.dir);
  const r = readResult(path.join(dir, 'result.json'));
  const base: Partial<CampaignRun> = { exit: { code: exit.code, signal: exit.signal, ...(exit.deadline ? { deadline: true } : {}) } };
  if (exit.interrupted && !r) return { ...base, state: 'interrupted', outcome: 'skipped', verdictLine: 'interrupted before it finished' };
  if (!r) {
    const why = exit.deadline ? 'ran past its deadline and was stopped' : `exited with ${exit.signal ?? `code ${exit.code}`} without a result`;
    const last = exit.tail.trim().split('\n').filter(Boolean).at(-1) ?? '';
    return { ...base, state: 'done', verdict: 'error', outcome: 'error', verdictLine: `ERROR: the run ${why}${last ? ` (${last.slice(0, 300)})` : ''}` };
  }
  const harness = r.checks.some((c) => c.checker === 'harness');
  const verdict: RunVerdict = r.valid === true ? 'valid' : r.valid === false ? 'invalid' : harness ? 'error' : 'unknown';
  const failing: FailingCheck[] = r.checks.filter((c) => c.valid === false).map((c) => ({ checker: c.checker, ...checkKinds(c) }));
  const metrics = r.metrics ?? {};
  const figures = Object.fromEntries(Object.entries(metrics).filter(([k, v]) => isFigure(k) && Number.isFinite(v)));
  const shrink = shrinkInfo(r);
  return {
    ...base,
    state: exit.interrupted && verdict !== 'invalid' ? 'interrupted' : 'done',
    verdict, outcome: exit.interrupted && verdict !== 'invalid' ? 'skipped' : outcomeOf(verdict, run.expect, onlyKnownIssues(r)),
    verdictLine: `${verdictWord(r.valid)}: ${r.summary}`,
    checks: r.checks.map((c) => ({ checker: c.checker, valid: c.valid })),
    ...(failing.length ? { failing } : {}),
    ops: r.ops,
    ...(typeof metrics.opsPerSec === 'number' ? { opsPerSec: metrics.opsPerSec } : {}),
    figures, replay: r.replay,
    ...(shrink ? { shrink } : {}),
    ...(r.knownIssues?.length ? { knownIssues: r.knownIssues } : {}),
    ...(existsSync(path.join(dir, 'report.html')) ? { report: `${run.dir}/report.html` } : {}),
  };
}
