// Which runs a campaign makes: the scenarios its globs select, each on the targets it applies to (its
// default target, or those of --targets it names as its own) plus the variants it declares it must
// fail on, times the seeds. Seed-major order, so a campaign cut short by its budget has run every
// combination once before it runs any twice. Pure: the scenario list comes in as data.
import { minimatch } from 'minimatch';
import { UsageError } from '../errors.ts';
import { parseTargetSpec } from '../target.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Expectation, PlannedRun } from './types.ts';

export type PlannableScenario = Pick<Scenario, 'name' | 'target' | 'targets' | 'mustFailOn' | 'timeLimit'>;

export interface PlanRequest {
  /** Scenario name globs (`zk-*`, `*-broken`); none = every scenario. */
  globs: string[];
  /** Target specs; null = each scenario's default target. */
  targets: string[] | null;
  seeds: number[];
  /** Exact seconds of workload for every run. */
  timeLimit?: number;
  /** At most this many seconds of workload (scenarios with shorter own limits keep theirs). */
  timeCap?: number;
}

/** Bug names the scenarios declare (`zk-lite:bug=stale-read` → stale-read), so the short form the
 *  lite targets also accept (`zk-lite:stale-read`) is recognised as the same bug. */
export function declaredBugs(all: PlannableScenario[]): Set<string> {
  const bugs = (all.flatMap((s) => s.mustFailOn ?? []).map((v) => parseTargetSpec(v).options.bug ?? ''));
  return new Set(bugs.flatMap((b) => b.split(',')).filter(Boolean));
}

/** A target spec's options with bugs gathered into one sorted `bug` list. */
function canonicalOptions(spec: string, bugs: ReadonlySet<string>): { name: string; options: Record<string, string> } {
  const { name, options } = parseTargetSpec(spec);
  const on = new Set((options.bug ?? '').split(',').filter(Boolean));
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'bug') continue;
    if (v === 'true' && bugs.has(k)) on.add(k);
    else rest[k] = v;
  }
  return { name, options: on.size ? { ...rest, bug: [...on].sort().join('+') } : rest };
}

/** `zk-lite:bug=x,b=2`, `zk-lite:b=2,bug=x` and `zk-lite:x,b=2` are the same target. */
export function specKey(spec: string, bugs: ReadonlySet<string> = new Set()): string {
  const { name, options } = canonicalOptions(spec, bugs);
  const pairs = Object.entries(options).map(([k, v]) => `${k}=${v}`).sort();
  return pairs.length ? `${name}:${pairs.join(',')}` : name;
}

const isBare = (spec: string) => Object.keys(parseTargetSpec(spec).options).length === 0;

/** What a run of `scenario` on `target` must show (see Expectation). */
export function expectationOf(scenario: PlannableScenario, target: string, bugs: ReadonlySet<string> = new Set()): Expectation {
  if (scenario.name.endsWith('-broken')) return 'violation';
  const key = specKey(target, bugs);
  if ((scenario.mustFailOn ?? []).some((v) => specKey(v, bugs) === key)) return 'violation';
  if ('bug' in canonicalOptions(target, bugs).options) return 'any';
  return 'valid';
}

/** The scenarios the globs select; a glob that selects nothing is a usage error. */
export function selectScenarios<S extends PlannableScenario>(all: S[], globs: string[]): S[] {
  if (globs.length === 0) return all;
  for (const g of globs) {
    if (!all.some((s) => minimatch(s.name, g))) throw new UsageError(`no scenario matches '${g}' (see faultline list)`);
  }
  return all.filter((s) => globs.some((g) => minimatch(s.name, g)));
}

/** Target specs one scenario runs on: its bases plus its must-fail variants of a bare base. */
export function targetsFor(scenario: PlannableScenario, targets: string[] | null, bugs: ReadonlySet<string> = new Set()): string[] {
  const own = new Set([scenario.target, ...(scenario.targets ?? [])].map((t) => parseTargetSpec(t).name));
  const bases = targets ? targets.filter((t) => own.has(parseTargetSpec(t).name)) : [scenario.target];
  const bareNames = new Set(bases.filter(isBare).map((t) => parseTargetSpec(t).name));
  const variants = (scenario.mustFailOn ?? []).filter((v) => bareNames.has(parseTargetSpec(v).name));
  const seen = new Set<string>();
  return [...bases, ...variants].filter((t) => !seen.has(specKey(t, bugs)) && Boolean(seen.add(specKey(t, bugs))));
}

const slug = (spec: string) => spec.replace(/[^A-Za-z0-9=.-]+/g, '_');

export function planCampaign(all: PlannableScenario[], req: PlanRequest): PlannedRun[] {
  if (req.seeds.length === 0) throw new UsageError('a campaign needs at least one seed');
  const scenarios = selectScenarios(all, req.globs);
  const bugs = declaredBugs(all);
  const combos = scenarios.flatMap((s) => targetsFor(s, req.targets, bugs).map((target) => ({ s, target })));
  for (const t of req.targets ?? []) {
    if (!combos.some((c) => specKey(c.target, bugs) === specKey(t, bugs))) {
      throw new UsageError(`target '${t}' applies to none of the selected scenarios (${scenarios.map((s) => s.name).join(', ')})`);
    }
  }
  if (combos.length === 0) throw new UsageError('the selected scenarios and targets make no run');
  const runs: PlannedRun[] = [];
  const dirs = new Set<string>();
  for (const seed of req.seeds) {
    for (const { s, target } of combos) {
      const id = runs.length + 1;
      let dir = `${s.name}/${slug(target)}-s${seed}`;
      if (dirs.has(dir)) dir = `${dir}-${id}`;
      dirs.add(dir);
      const timeLimit = req.timeLimit ?? Math.min(s.timeLimit, req.timeCap ?? Infinity);
      runs.push({ id, scenario: s.name, target, seed, expect: expectationOf(s, target, bugs), timeLimit, dir });
    }
  }
  return runs;
}
