// Which violations of a run are known upstream bugs of the system under test (a scenario's
// `knownIssues`), so that a nightly campaign on a real system can tell a documented, tracked bug
// (ZooKeeper's ZOOKEEPER-4882) from a new failure instead of going red every night. Pure: the
// scenario's declarations, the run's target spec, checks and history in, the matches out.
// Recognition stays narrow on purpose — the violation must be of the declared checker, on the
// declared target (every option the declaration names must match), after the declared faults in
// their order; a violation of any other checker, on any other target, is not explained by it.
import { minimatch } from 'minimatch';
import type { CheckResult, KnownIssueMatch, RunResult } from '../checker/result.ts';
import { faultWindows } from '../history/faults.ts';
import type { Op } from '../history/op.ts';
import { parseTargetSpec } from '../target.ts';
import { UsageError } from '../errors.ts';
import type { KnownIssue } from './types.ts';

/** The run's target is the issue's: same name, and every option the issue names set the same. */
function sameTarget(issue: KnownIssue, targetSpec: string): boolean {
  const want = parseTargetSpec(issue.target);
  const have = parseTargetSpec(targetSpec);
  return want.name === have.name && Object.entries(want.options).every(([k, v]) => have.options[k] === v);
}

/** The run injected faults matching `patterns`, in that order (other faults may come between). */
function hadFaults(patterns: readonly string[], history: readonly Op[]): boolean {
  let next = 0;
  for (const w of faultWindows(history)) if (next < patterns.length && minimatch(w.fault, patterns[next])) next++;
  return next === patterns.length;
}

/** One match per failing check that a known issue explains (the first issue that does). */
export function matchKnownIssues(issues: readonly KnownIssue[], targetSpec: string, checks: readonly CheckResult[], history: readonly Op[]): KnownIssueMatch[] {
  const matches: KnownIssueMatch[] = [];
  for (const c of checks) {
    if (c.valid !== false) continue;
    const issue = issues.find((i) => i.checker === c.checker && sameTarget(i, targetSpec) && hadFaults(i.afterFaults ?? [], history));
    if (issue) matches.push({ checker: c.checker, id: issue.id, url: issue.url, description: issue.description });
  }
  return matches;
}

/** Whether every violation of a run is explained by a known issue (an INVALID run only). */
export function onlyKnownIssues(r: Pick<RunResult, 'valid' | 'checks' | 'knownIssues'>): boolean {
  if (r.valid !== false) return false;
  const known = new Set((r.knownIssues ?? []).map((k) => k.checker));
  return r.checks.filter((c) => c.valid === false).every((c) => known.has(c.checker));
}

/** A scenario's declarations, checked before its run starts: a typo must neither make every
 *  violation "new" without a word nor let the issue match something it should not. */
export function checkKnownIssues(scenario: string, issues: readonly KnownIssue[], checkers: readonly string[]): void {
  for (const i of issues) {
    const where = `scenario ${scenario}: known issue '${i.id}'`;
    if (!i.id || !i.checker || !i.target || !i.description) throw new UsageError(`${where} needs an id, a target, a checker and a description`);
    if (!/^https?:\/\/\S+$/.test(i.url)) throw new UsageError(`${where}: url must be an http(s) address, got '${i.url}'`);
    if (!checkers.includes(i.checker)) throw new UsageError(`${where} names checker '${i.checker}', which the scenario's workload does not run (it runs: ${checkers.join(', ')})`);
  }
}

/** `ZOOKEEPER-4882 (https://…): what goes wrong` — one line for terminals and summaries. */
export const describeKnownIssue = (k: Pick<KnownIssueMatch, 'id' | 'url' | 'description'>): string => `${k.id} (${k.url}): ${k.description}`;
