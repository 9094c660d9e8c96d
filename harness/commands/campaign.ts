// `faultline campaign [SCENARIO-GLOB ...]`: every selected scenario on its targets and variants, times
// the seeds, up to K runs at once, each a `faultline scenario` child; a summary table, campaign.json,
// campaign.html and optionally JUnit XML. Exit 0 when every ordinary run held (or found only known
// upstream issues of its scenario, unless --strict) and every must-fail run was caught, 1 when a
// violation was found (or a must-fail run caught nothing), 2 when a verdict is unknown or the harness
// failed; 130/143 when interrupted. Every flag is checked before any run starts.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { intFlag } from './flags.ts';
import { splitTargets } from './compare.ts';
import { randomSeed } from '../rng.ts';
import type { CampaignOptions, PlannedRun } from '../campaign/types.ts';
import type { Scenario } from '../scenario/types.ts';

interface CampaignFlags {
  targets?: string;
  seeds?: number;
  seed?: number;
  seedList?: string;
  runtime?: string;
  parallel?: number;
  timeLimit?: number;
  timeCap?: number;
  budget?: number;
  out?: string;
  junit?: string;
  reportUrl?: string;
  shrink: boolean;
  shrinkBudget: number;
  shrinkBroken?: boolean;
  strict?: boolean;
}

const positiveMinutes = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--budget must be a number of minutes > 0, got '${v}'`);
  return n;
};

/** `1,2,3` → seeds; integers ≥ 0, no repeats. */
export function parseSeedList(list: string): number[] {
  const seeds = list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(n)) throw new UsageError(`--seed-list takes integers ≥ 0 separated by commas, got '${s}'`);
    return n;
  });
  if (seeds.length === 0) throw new UsageError('--seed-list names no seed');
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new UsageError(`--seed-list names seed ${dup} twice`);
  return seeds;
}

function seedsOf(o: CampaignFlags): { seeds: number[]; random: boolean } {
  if (o.seedList !== undefined) {
    if (o.seeds !== undefined || o.seed !== undefined) throw new UsageError('--seed-list cannot be combined with --seeds or --seed');
    return { seeds: parseSeedList(o.seedList), random: false };
  }
  const first = o.seed ?? randomSeed();
  return { seeds: Array.from({ length: o.seeds ?? 1 }, (_, i) => first + i), random: o.seed === undefined };
}

async function checkTargets(targets: string[] | null): Promise<void> {
  if (!targets) return;
  if (targets.length === 0) throw new UsageError('--targets names no target');
  const { targetNames } = await import('../scenario/registry.ts');
  const { parseTargetSpec } = await import('../target.ts');
  const known = await targetNames();
  for (const t of targets) {
    const { name } = parseTargetSpec(t);
    if (!known.includes(name)) throw new UsageError(`unknown target '${name}' in --targets; known: ${known.join(', ')}`);
  }
}

async function checkRuntime(kind: string | undefined): Promise<void> {
  if (!kind) return;
  const { loadRuntime } = await import('../runtime/registry.ts');
  const why = await (await loadRuntime(kind)).unavailable();
  if (why) throw new UsageError(`runtime '${kind}' cannot run here: ${why}`);
}

function checkOutputs(dir: string, junit: string | undefined): void {
  if (existsSync(path.join(dir, 'campaign.json'))) throw new UsageError(`${dir} already holds a campaign (campaign.json); choose another --out`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is not a folder`);
  if (junit && existsSync(junit) && statSync(junit).isDirectory()) throw new UsageError(`--junit ${junit} is a folder; give a file name`);
}

/** Each scenario × target spec of the plan (must-fail variants included) against what the target and
 *  the workload declare, so a misspelt option or bug name stops the campaign before its first run. */
async function checkCombinations(plan: PlannedRun[], scenarios: Scenario[]): Promise<void> {
  const { loadTarget } = await import('../scenario/registry.ts');
  const { checkRunOptions } = await import('../scenario/options.ts');
  const { parseTargetSpec } = await import('../target.ts');
  const seen = new Set<string>();
  for (const run of plan) {
    if (seen.has(`${run.scenario} ${run.target}`)) continue;
    seen.add(`${run.scenario} ${run.target}`);
    const { name, options } = parseTargetSpec(run.target);
    const scenario = scenarios.find((s) => s.name === run.scenario)!;
    checkRunOptions({ scenario, target: await loadTarget(name), overrides: options });
  }
}

/** Arguments after `--` go to every `faultline scenario` run (runtime flags such as --nodes). */
function splitPassThrough(globs: string[], argv: string[]): { globs: string[]; passThrough: string[] } {
  const at = argv.indexOf('--');
  const passThrough = at >= 0 ? argv.slice(at + 1) : [];
  return { globs: globs.slice(0, globs.length - passThrough.length), passThrough };
}

/** A `--runtime X` among the pass-through arguments (it decides whether runs can share the machine). */
export function runtimeIn(args: string[]): string | undefined {
  const at = args.findIndex((a) => a === '--runtime' || a.startsWith('--runtime='));
  if (at < 0) return undefined;
  return args[at].includes('=') ? args[at].slice('--runtime='.length) : args[at + 1];
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

interface Prepared {
  globs: string[];
  passThrough: string[];
  targets: string[] | null;
  seeds: number[];
  randomSeeds: boolean;
  plan: PlannedRun[];
  dir: string;
}

/** Every flag checked and the runs planned, before anything starts; the campaign folder made. */
async function prepare(rawGlobs: string[], o: CampaignFlags): Promise<Prepared> {
  const { globs, passThrough } = splitPassThrough(rawGlobs, process.argv);
  if (o.timeLimit !== undefined && o.timeCap !== undefined) throw new UsageError('give --time-limit or --time-cap, not both');
  const targets = o.targets === undefined ? null : splitTargets(o.targets);
  await checkTargets(targets);
  await checkRuntime(o.runtime);
  const { seeds, random } = seedsOf(o);
  const { loadScenarios, ROOT } = await import('../scenario/registry.ts');
  const { planCampaign } = await import('../campaign/plan.ts');
  const scenarios = await loadScenarios();
  const plan = planCampaign(scenarios, { globs, targets, seeds, timeLimit: o.timeLimit, timeCap: o.timeCap });
  await checkCombinations(plan, scenarios);
  const dir = path.resolve(o.out ?? path.join(ROOT, 'store', 'campaigns', stamp()));
  checkOutputs(dir, o.junit);
  mkdirSync(dir, { recursive: true });
  return { globs, passThrough, targets, seeds, randomSeeds: random, plan, dir };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What is about to run, and how many at once and why. */
function announce(p: Prepared, o: CampaignOptions, log: (line: string) => void): void {
  if (p.randomSeeds) log(`campaign: seeds from ${p.seeds[0]} (random; --seed ${p.seeds[0]} repeats them)`);
  const mustFail = p.plan.filter((r) => r.expect === 'violation').length;
  const scenarios = new Set(p.plan.map((r) => r.scenario)).size;
  const shape = `${plural(scenarios, 'scenario')}, ${plural(p.plan.length / p.seeds.length, 'scenario × target combination')} × ${plural(p.seeds.length, 'seed')}; ${mustFail} must fail`;
  const budget = o.budgetMin ? `, budget ${o.budgetMin} min` : '';
  log(`campaign: ${p.plan.length} runs (${shape}), parallel ${o.parallel} (${o.parallelWhy})${budget} → ${path.relative(process.cwd(), p.dir) || p.dir}`);
}

export function register(program: Command): void {
  program
    .command('campaign')
    .description('run many scenarios × targets × seeds, several at once, with a summary, campaign.json/html, JUnit XML, and every failure shrunk')
    .argument('[globs...]', "scenario name globs ('zk-*', '*-broken'); none = every scenario. Arguments after -- go to every run")
    .option('--targets <list>', "target specs (comma-separated; ';' when specs carry commas); a scenario runs on those it names as its own, plus its must-fail variants of a bare target. Default: each scenario's own target and its variants")
    .option('--seeds <n>', 'seeds per combination (consecutive from --seed)', intFlag('seeds', 1))
    .option('--seed <n>', 'first seed (default: random, printed)', intFlag('seed', 0))
    .option('--seed-list <list>', 'exact seeds, e.g. 1,2,3')
    .option('--runtime <kind>', 'runtime for every run (default: each scenario\'s own, else netns as root, else local)')
    .option('--parallel <k>', 'runs at once (default: by cores and free memory; 1 on runtimes that cannot share the machine)', intFlag('parallel', 1))
    .option('--time-limit <s>', 'seconds of workload for every run', intFlag('time-limit', 1))
    .option('--time-cap <s>', 'at most this many seconds of workload per run (shorter scenarios keep theirs)', intFlag('time-cap', 1))
    .option('--budget <min>', 'minutes after which no new run starts (running ones finish)', positiveMinutes)
    .option('--out <dir>', 'campaign folder (default store/campaigns/<timestamp>); runs go to <dir>/<scenario>/<target>-s<seed>')
    .option('--junit <file>', 'also write JUnit XML (one testcase per run)')
    .option('--report-url <base>', 'in the JUnit XML, link reports as <base>/<scenario>/<run>/report.html (e.g. the CI artifact URL of the campaign folder) instead of by path')
    .option('--no-shrink', 'do not shrink failures')
    .option('--shrink-budget <s>', 'seconds of shrinking per failure', intFlag('shrink-budget', 1), 120)
    .option('--shrink-broken', 'also shrink the violations of must-fail runs')
    .option('--strict', 'count a run whose every violation matches a known upstream issue of its scenario as a failure (exit 1, JUnit <failure>); by default it is counted apart (exit 0, JUnit <skipped> with the issue)')
    .action(async (rawGlobs: string[], o: CampaignFlags) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const prepared = await prepare(rawGlobs, o);
      const { chooseParallel, thisMachine } = await import('../campaign/sizing.ts');
      const { CampaignRunner } = await import('../campaign/run.ts');
      const { campaignSummary } = await import('../campaign/table.ts');
      const { storeOf } = await import('./report.ts');
      const runtime = o.runtime ?? runtimeIn(prepared.passThrough);
      const { parallel, why } = chooseParallel({ requested: o.parallel, runtime, runs: prepared.plan.length, machine: thisMachine() });
      const options: CampaignOptions = {
        globs: prepared.globs, targets: prepared.targets, seeds: prepared.seeds, runtime: o.runtime, parallel, parallelWhy: why,
        timeLimit: o.timeLimit, timeCap: o.timeCap, budgetMin: o.budget,
        shrink: { enabled: o.shrink, budgetS: o.shrinkBudget, broken: Boolean(o.shrinkBroken) }, strict: Boolean(o.strict), passThrough: prepared.passThrough,
      };
      announce(prepared, options, log);
      const runner = new CampaignRunner({
        command: ['faultline', ...process.argv.slice(2)].join(' '), options, plan: prepared.plan, dir: prepared.dir,
        store: await storeOf(prepared.dir), junit: o.junit, reportBaseUrl: o.reportUrl, tty: Boolean(process.stderr.isTTY), log,
      });
      const onSignal = (signal: NodeJS.Signals) => runner.interrupt(signal);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const { campaign, files } = await runner.run();
      console.log(`\n${campaignSummary(campaign, files)}`);
      process.exit(campaign.status!.exitCode);
    });
}
