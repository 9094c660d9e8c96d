// What every checker returns, and how several verdicts merge into one (invalid > unknown > valid).
import type { Op } from '../history/op.ts';

export type Validity = true | false | 'unknown';

export interface Violation {
  /** One sentence a person understands without reading code. */
  message: string;
  /** History indices of the ops involved. */
  ops?: number[];
  /** When it happened (ms since run start). */
  time?: number;
  detail?: Record<string, unknown>;
}

export interface CheckResult {
  /** Checker name, e.g. 'linearizable', 'harakiri', 'lock-safety'. */
  checker: string;
  valid: Validity;
  /** The one-sentence reason shown at the top of a report. */
  summary: string;
  violations?: Violation[];
  /** Measurements and checker-specific data (reports draw from these; nothing is computed twice). */
  details?: Record<string, unknown>;
  /** Headline numbers (failover times, recovery times) the run lifts into result.json `metrics`
   *  as `<checker>.<name>`, so the index and `compare` put them side by side. */
  metrics?: Record<string, number>;
}

/** A checker is a pure function over a history. Options come from the scenario. */
export interface Checker {
  name: string;
  check(history: readonly Op[], opts?: Record<string, unknown>): CheckResult | Promise<CheckResult>;
}

export function mergeValidity(values: Validity[]): Validity {
  if (values.some((v) => v === false)) return false;
  if (values.some((v) => v === 'unknown')) return 'unknown';
  return true;
}

/** Runs a checker; a thrown error becomes an `unknown` verdict carrying the error text. */
export async function runChecker(checker: Checker, history: readonly Op[], opts?: Record<string, unknown>): Promise<CheckResult> {
  try {
    return await checker.check(history, opts);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { checker: checker.name, valid: 'unknown', summary: `checker crashed: ${message}` };
  }
}

/** A minimal non-linearizable sub-history, as the linearizability checker reports it and reports draw it. */
export interface Counterexample {
  /** The key the failing sub-history is about (kv / per-key histories). */
  key?: string;
  /** The smallest failing sub-history found: invoke and completion records, original indices kept. */
  ops: Op[];
  /** Invoke indices, in linearization order, of the longest linearizable prefix the search reached. */
  longestPrefix: number[];
  /** Invoke index of the op at which every candidate order fails. */
  failingOp: number;
  /** Candidate orders tried at the failure point and the model state each reached (described). */
  candidates: { order: number[]; state: string; rejected: string }[];
}

/** The `details` of a linearizability CheckResult (also the body of `faultline check --json`). */
export interface LinearizabilityDetails {
  model: string;
  ops: number;
  /** What decided the verdict: a decision procedure ('set-inclusion', 'queue-schedule',
   *  'unique-writes') or 'search'; several joined by '+' when partitions were decided differently. */
  method: string;
  /** Partitions decided by each method, when more than one was used. */
  methods?: Record<string, number>;
  /** Time to the verdict (the counterexample is computed afterwards: counterexampleMs). */
  elapsedMs: number;
  /** Time spent locating and shrinking the violation after the verdict. */
  counterexampleMs?: number;
  /** For a violation a decision procedure found: the rule that rules every order out, in a sentence. */
  pattern?: string;
  peakRssMb?: number;
  /** Independent sub-histories (keys) checked / in total. */
  partitions?: { total: number; done: number; failed?: string[] };
  /** Set when the budget ran out: what the search had learned. */
  budget?: { reason: 'time' | 'memory'; explored: number; note: string };
  counterexample?: Counterexample;
  /** Where the search of the failing (or unfinished) partition got to, in invoke indices: the longest
   *  linearizable prefix it reached, and for a violation the op whose completion ends the longest
   *  linearizable prefix of the history (the point where no linearization exists). */
  search?: { key: string; longestPrefix: number[]; failingOp?: number };
}

/** result.json of a scenario run (store/<scenario>/<timestamp>/result.json). */
export interface RunResult {
  scenario: string;
  target: string;
  runtime: string;
  seed: number;
  nodes?: number;
  startedAt: string;
  durationMs: number;
  ops: number;
  valid: Validity;
  summary: string;
  checks: CheckResult[];
  /** Named measurements: ensemble start time, ops/s, failover times, ... */
  metrics?: Record<string, number>;
  /** The exact command that replays this run. */
  replay: string;
  /** The fault schedule that was used (as generated from the seed). */
  schedule?: unknown;
  /** After `--shrink`: the smallest schedule that still failed, and how it was found. */
  shrunkSchedule?: unknown;
  shrink?: unknown;
  /** Failing checks whose violation matches a known upstream issue of the scenario, one entry per
   *  such check (harness/scenario/known-issues.ts); absent when none does. */
  knownIssues?: KnownIssueMatch[];
}

/** A failing check explained by a known upstream issue. */
export interface KnownIssueMatch {
  checker: string;
  id: string;
  url: string;
  description: string;
}
