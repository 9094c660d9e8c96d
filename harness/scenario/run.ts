// One run of a scenario, end to end: runtime → target → clients + nemesis for the time limit →
// heal → final ops → checkers → result.json → the outcome (the command that asked for the run writes
// the HTML report from it: reports come after the run, never from inside it). Lifetimes nest (runtime ⊃
// cluster ⊃ clients ⊃ nemesis) through one Cleanup, so a failure anywhere tears down exactly what was
// started, an interrupt keeps the history recorded so far, and the first error is the one reported.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Cleanup, cleanupOnSignals } from '../cleanup.ts';
import { HarnessError, UsageError } from '../errors.ts';
import { mergeValidity, runChecker, type CheckResult, type RunResult } from '../checker/result.ts';
import { HistoryRecorder } from '../history/jsonl.ts';
import type { Op } from '../history/op.ts';
import { Rng, randomSeed } from '../rng.ts';
import { loadRuntime, defaultRuntime } from '../runtime/registry.ts';
import type { Runtime, RuntimeKind } from '../runtime/types.ts';
import type { SshSettings } from '../runtime/ssh/settings.ts';
import { parseTargetSpec, type Cluster } from '../target.ts';
import { describeSchedule, faultKindsFor, hostFeaturesFor, planSchedule, runNemesis } from '../nemesis/index.ts';
import type { FaultKind } from '../nemesis/types.ts';
import type { PlannedFault } from '../nemesis/types.ts';
import { runWorkers } from './workers.ts';
import { checkKnownIssues, matchKnownIssues } from './known-issues.ts';
import { checkRunOptions } from './options.ts';
import { storeAbove } from './store.ts';
import { loadScenario, loadTarget, ROOT } from './registry.ts';
import { SCENARIO_DEFAULTS, type Scenario } from './types.ts';

export interface RunOptions {
  scenario: string;
  target?: string;
  runtime?: RuntimeKind;
  seed?: number;
  timeLimit?: number;
  nodes?: number;
  /** Run folder; default store/<scenario>/<timestamp>. */
  out?: string;
  /** The store `out` lies in (compare passes its own); the store index is rewritten only there. */
  store?: string;
  /** A fixed fault schedule (replay / shrinking) instead of one planned from the seed. */
  schedule?: PlannedFault[];
  /** Concurrent clients instead of the scenario's (replay / shrinking). */
  concurrency?: number;
  /** Print progress lines (the CLI does; tests may not). */
  log?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers (the CLI does). */
  handleSignals?: boolean;
  /** Machines and credentials for `--runtime ssh`. */
  ssh?: SshSettings;
}

export interface RunOutcome {
  dir: string;
  /** The store the run folder lies in (its index is rewritten after the run), or null. */
  store: string | null;
  result: RunResult;
  history: Op[];
}

const timestamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** The exact command that replays a run. */
export function replayCommand(o: { scenario: string; target: string; runtime: string; seed: number; timeLimit: number; nodes?: number; runtimeFlags?: string }): string {
  const nodes = o.nodes ? ` --nodes ${o.nodes}` : '';
  const flags = o.runtimeFlags ? ` ${o.runtimeFlags}` : '';
  return `npm run scenario -- ${o.scenario} --target ${o.target} --runtime ${o.runtime}${flags} --seed ${o.seed} --time-limit ${o.timeLimit}${nodes}`;
}

export async function runScenario(opts: RunOptions): Promise<RunOutcome> {
  const log = opts.log ?? (() => {});
  const loaded = await loadScenario(opts.scenario);
  const scenario = opts.concurrency ? { ...loaded, concurrency: opts.concurrency } : loaded;
  const targetSpec = opts.target ?? scenario.target;
  const { name: targetName, options: targetOverrides } = parseTargetSpec(targetSpec);
  const target = await loadTarget(targetName);
  // everything the user or the scenario asks for is checked before a runtime, namespace or folder exists
  const { nodes, targetOptions: options, workloadOptions } = checkRunOptions({ scenario, target, overrides: targetOverrides, nodes: opts.nodes });
  const kinds = faultKindsFor(target);
  for (const f of scenario.nemesis?.faults ?? []) if (!kinds[f]) throw new UsageError(`scenario ${scenario.name} names unknown fault kind '${f}' (known: ${Object.keys(kinds).join(', ')})`);
  const runtimeKind = opts.runtime ?? scenario.runtime ?? (await defaultRuntime(log));
  const factory = await loadRuntime(runtimeKind);
  const why = await factory.unavailable();
  if (why) throw new HarnessError(`runtime '${runtimeKind}' cannot run here: ${why}`);
  // ssh: the hosts file and the key are read and checked before the run folder exists
  const runtimeFlags = runtimeKind === 'ssh' ? (await import('../runtime/ssh/settings.ts')).checkedFlags(opts.ssh) : undefined;

  const seed = opts.seed ?? randomSeed();
  const timeLimit = opts.timeLimit ?? scenario.timeLimit;
  const dir = path.resolve(opts.out ?? path.join(ROOT, 'store', scenario.name, timestamp()));
  const store = storeFor(opts, dir);
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir, { recursive: true });
  const rng = new Rng(seed);
  const replay = replayCommand({ scenario: scenario.name, target: targetSpec, runtime: runtimeKind, seed, timeLimit, nodes, runtimeFlags });
  log(`faultline: ${scenario.name} on ${targetSpec} (${runtimeKind}), seed ${seed}, ${timeLimit}s → ${path.relative(process.cwd(), dir) || dir}`);

  const recorder = new HistoryRecorder(path.join(dir, 'history.jsonl'));
  const cleanup = new Cleanup();
  const uninstall = opts.handleSignals ? cleanupOnSignals(cleanup, () => recorder.close()) : () => {};
  const workload = scenario.workload(workloadOptions);
  checkKnownIssues(scenario.name, scenario.knownIssues ?? [], workload.checkers.map((c) => c.name));
  const startedAt = new Date();
  const metrics: Record<string, number> = {};
  let schedule: PlannedFault[] = [];
  let harnessError: unknown;
  // A client library that throws from inside a socket callback must not kill the harness before it
  // cleans up: such an error ends the run with an unknown verdict, and cleanup still runs.
  const crashed = crashGuard();
  try {
    await Promise.race([crashed.promise, (async () => {
      const t0 = performance.now();
      const features = hostFeaturesFor([...(scenario.nemesis?.faults ?? []), ...(opts.schedule ?? []).map((f) => f.kind)], kinds);
      const hosts = target.hostNames(nodes, options);
      const requirements = target.requirements && Object.fromEntries(hosts.map((h) => [h, target.requirements!(h, options)]));
      const runtime: Runtime = await factory.create({ hosts, logDir, cleanup, log, features, requirements, ssh: opts.ssh });
      metrics.runtimeStartMs = Math.round(performance.now() - t0);
      const t1 = performance.now();
      const cluster: Cluster = await target.start({
        runtime, hosts: runtime.hosts, options, cleanup, log,
        startTimeoutMs: (scenario.startTimeout ?? SCENARIO_DEFAULTS.startTimeout) * 1000,
      });
      metrics.targetStartMs = Math.round(performance.now() - t1);
      Object.assign(metrics, cluster.metrics);
      log(`faultline: ${targetName} serving after ${(metrics.targetStartMs / 1000).toFixed(1)} s`);

      schedule = opts.schedule ?? planFor(scenario, rng, timeLimit, kinds);
      if (schedule.length) log(`faultline: fault schedule: ${describeSchedule(schedule)}`);
      const controller = new AbortController();
      const nemesis = runNemesis(schedule, { cluster, runtime, rng: rng.fork('nemesis'), log, victims: scenario.nemesis?.on }, (e) => recorder.record(e), controller.signal, kinds);
      const stats = await runWorkers({
        scenario, workload, cluster, runId: runtime.runId, options, recorder, rng: rng.fork('ops'), timeLimitMs: timeLimit * 1000,
        opTimeoutMs: scenario.opTimeoutMs ?? SCENARIO_DEFAULTS.opTimeoutMs, log,
        beforeFinal: async () => {
          controller.abort();
          await nemesis;
          await runtime.network.heal();
          const recover = scenario.recover ?? SCENARIO_DEFAULTS.recover;
          log(`faultline: healed; waiting ${recover}s before final ops`);
          await new Promise((r) => setTimeout(r, recover * 1000));
        },
      });
      Object.assign(metrics, stats);
    })()]);
  } catch (err) {
    harnessError = err;
  } finally {
    crashed.uninstall();
    const errors = await cleanup.runAll();
    for (const e of errors) log(`faultline: ${e}`);
    uninstall();
    await recorder.close();
  }
  // bad input (an unreachable machine, a refused key, a missing package) is not a run: one line, exit 2
  if (harnessError instanceof UsageError) throw harnessError;

  const history = recorder.ops;
  const checks: CheckResult[] = [];
  if (harnessError) {
    const message = harnessError instanceof Error ? harnessError.message : String(harnessError);
    checks.push({ checker: 'harness', valid: 'unknown', summary: `the run did not complete: ${message}` });
  } else {
    for (const checker of workload.checkers) checks.push(await runChecker(checker, history, workloadOptions));
  }
  for (const c of checks) for (const [k, v] of Object.entries(c.metrics ?? {})) if (Number.isFinite(v)) metrics[`${c.checker}.${k}`] = v;
  const valid = mergeValidity(checks.map((c) => c.valid));
  const first = checks.find((c) => c.valid === false) ?? checks.find((c) => c.valid === 'unknown') ?? checks[0];
  const knownIssues = matchKnownIssues(scenario.knownIssues ?? [], targetSpec, checks, history);
  const result: RunResult = {
    scenario: scenario.name, target: targetSpec, runtime: runtimeKind, seed, nodes,
    startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(),
    ops: history.filter((o) => o.type === 'invoke').length,
    valid, summary: first ? first.summary : 'no checks ran', checks, metrics, replay, schedule,
    ...(knownIssues.length ? { knownIssues } : {}),
  };
  await writeFile(path.join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  return { dir, store, result, history };
}

/** Turns uncaught exceptions and unhandled rejections during a run into a rejected promise. */
function crashGuard(): { promise: Promise<never>; uninstall: () => void } {
  let fail: (err: unknown) => void = () => {};
  const promise = new Promise<never>((_, reject) => (fail = reject));
  promise.catch(() => {}); // observed through the race; never unhandled itself
  const handler = (err: unknown) => fail(new HarnessError(`uncaught error in the harness during the run: ${err instanceof Error ? err.message : String(err)}`));
  process.on('uncaughtException', handler);
  process.on('unhandledRejection', handler);
  return {
    promise,
    uninstall: () => {
      process.off('uncaughtException', handler);
      process.off('unhandledRejection', handler);
    },
  };
}

function planFor(scenario: Scenario, rng: Rng, timeLimit: number, kinds: Record<string, FaultKind>): PlannedFault[] {
  if (!scenario.nemesis || scenario.nemesis.faults.length === 0) return [];
  return planSchedule(rng.fork('schedule'), {
    faults: scenario.nemesis.faults,
    ...(scenario.nemesis.order ? { order: scenario.nemesis.order } : {}),
    interval: scenario.nemesis.interval,
    duration: scenario.nemesis.duration,
    timeLimitMs: timeLimit * 1000,
    quietMs: (scenario.nemesis.quiet ?? 1) * 1000,
  }, kinds);
}

/** The store a run belongs to: the one given, the default store, or — for `--out DIR` — a folder named
 *  `store` two levels up (store/<scenario>/<run>). A run folder anywhere else has no store, and the
 *  run writes nothing outside it. */
export function storeFor(opts: Pick<RunOptions, 'out' | 'store'>, dir: string): string | null {
  if (opts.store) return path.resolve(opts.store);
  return opts.out ? storeAbove(dir) : path.join(ROOT, 'store');
}
