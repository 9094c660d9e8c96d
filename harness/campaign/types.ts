// The shapes a campaign is made of: the runs it plans (scenario × target × seed, each with what it is
// expected to show), what became of each run, and campaign.json — the one file the summary table,
// the HTML page and the JUnit XML are all drawn from.
import type { KnownIssueMatch, Validity } from '../checker/result.ts';

/** What a run must show: `valid` for an ordinary run; `violation` for a `*-broken` scenario or a
 *  target variant the scenario declares it must fail on; `any` for a target with a bug switched on
 *  that the scenario is not documented to catch (a catch is reported, a miss is no failure). */
export type Expectation = 'valid' | 'violation' | 'any';

export interface PlannedRun {
  /** 1-based position in the plan. */
  id: number;
  scenario: string;
  /** Target spec as passed to `faultline scenario --target`. */
  target: string;
  seed: number;
  expect: Expectation;
  /** Seconds of workload the run will do (for deadlines and time estimates). */
  timeLimit: number;
  /** Run folder relative to the campaign folder: <scenario>/<target>-s<seed>. */
  dir: string;
}

/** How the run's own verdict came out; `error` = the harness failed (no verdict on the system). */
export type RunVerdict = 'valid' | 'invalid' | 'unknown' | 'error';

/** Whether a run came out as expected: `pass`, `fail` (an ordinary run INVALID, or a must-fail run
 *  VALID), `known` (an ordinary run INVALID, every violation matching a known upstream issue of the
 *  scenario: neither a pass nor a new failure), `error` (unknown verdict or harness error),
 *  `skipped` (never started, or cut short). */
export type RunOutcome = 'pass' | 'fail' | 'known' | 'error' | 'skipped';

export interface FailingCheck {
  checker: string;
  /** Violation kinds (see kind.ts): the same kind on several seeds is one group. */
  kinds: string[];
  /** The first violation's message (or the check's summary). */
  example: string;
}

export interface ShrinkInfo {
  /** Command that replays the shrunk run. */
  replay: string;
  /** `4 faults, 5 clients, 30 s → 1 fault, 2 clients, 8 s`. */
  change: string;
  stopped: string;
  attempts: number;
}

export interface CampaignRun extends PlannedRun {
  state: 'planned' | 'running' | 'done' | 'not-started' | 'interrupted';
  pid?: number;
  startedAt?: string;
  wallMs?: number;
  exit?: { code: number | null; signal: string | null; deadline?: boolean };
  verdict?: RunVerdict;
  outcome?: RunOutcome;
  /** `INVALID: <summary>` as `faultline scenario` prints it. */
  verdictLine?: string;
  checks?: { checker: string; valid: Validity }[];
  failing?: FailingCheck[];
  ops?: number;
  opsPerSec?: number;
  /** Failover / recovery figures from result.json metrics (ms). */
  figures?: Record<string, number>;
  replay?: string;
  shrink?: ShrinkInfo;
  /** report.html relative to the campaign folder, when the run wrote one. */
  report?: string;
  /** Failing checks that match known upstream issues of the scenario (result.json's). */
  knownIssues?: KnownIssueMatch[];
}

/** One line of the summary: a scenario on a target. */
export interface ComboRow {
  scenario: string;
  target: string;
  expect: Expectation;
  runs: number;
  valid: number;
  invalid: number;
  unknown: number;
  errors: number;
  notRun: number;
  /** Seeds whose run was not as expected, with what they showed. */
  failures: { seed: number; verdict: RunVerdict }[];
  medianOpsPerSec: number | null;
  /** Median over runs of each failover / recovery figure (ms). */
  figures: Record<string, number>;
  /** For must-fail combinations: runs with a violation / runs with a verdict. */
  caught?: { caught: number; of: number; missedSeeds: number[] };
  /** Ordinary runs whose every violation matched a known upstream issue: their seeds and the issues. */
  known?: { seeds: number[]; issues: string[] };
}

/** The same violation (scenario, target, checker, kind) seen on one or more seeds. */
export interface ViolationGroup {
  scenario: string;
  target: string;
  checker: string;
  kind: string;
  expected: boolean;
  seeds: number[];
  example: string;
  /** The replay command of the smallest shrunk run in the group, else of the first run. */
  replay: string;
  shrunk: boolean;
  /** The known upstream issue these violations match (ordinary runs only). */
  knownIssue?: { id: string; url: string; description: string };
}

export interface CampaignStatus {
  exitCode: 0 | 1 | 2 | 130 | 143;
  /** One sentence: why this exit code. */
  reason: string;
  violations: number;
  /** Ordinary runs whose every violation matched a known upstream issue (a failure only with --strict). */
  known: number;
  missed: number;
  unknown: number;
  harnessErrors: number;
  notStarted: number;
  interrupted: boolean;
}

export interface CampaignOptions {
  globs: string[];
  targets: string[] | null;
  seeds: number[];
  runtime?: string;
  parallel: number;
  parallelWhy: string;
  timeLimit?: number;
  timeCap?: number;
  budgetMin?: number;
  shrink: { enabled: boolean; budgetS: number; broken: boolean };
  /** Count runs that only hit known upstream issues as failures (exit 1, JUnit <failure>). */
  strict: boolean;
  /** Extra `faultline scenario` arguments given after `--`, passed to every run. */
  passThrough: string[];
}

/** campaign.json */
export interface Campaign {
  version: 1;
  command: string;
  startedAt: string;
  endedAt: string | null;
  wallMs: number | null;
  options: CampaignOptions;
  runs: CampaignRun[];
  table: ComboRow[];
  groups: ViolationGroup[];
  status: CampaignStatus | null;
}
