// `faultline compare`'s runs: one scenario, several targets, the same seeds (hence the same op mixes
// and fault schedules). The runs are ordinary runs in the store (so the run index shows them too);
// the command hands each outcome on as it ends, and reports/comparison.ts tabulates them side by side.
import path from 'node:path';
import type { RuntimeKind } from '../runtime/types.ts';
import type { SshSettings } from '../runtime/ssh/settings.ts';
import { runScenario, type RunOutcome } from './run.ts';
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

/** One run of a comparison: which target and seed, and how it ended. */
export interface ComparedOutcome {
  target: string;
  seed: number;
  outcome: RunOutcome;
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

/** The store the comparison's runs go to (default ./store of the repository). */
export const compareStore = (o: Pick<CompareOptions, 'store'>): string => path.resolve(o.store ?? path.join(ROOT, 'store'));

/** Runs the scenario on every target for every seed, one run at a time, after checking every target
 *  spec; `afterRun` sees each outcome as soon as its run ended (the command writes its report there). */
export async function compareRuns(o: CompareOptions, afterRun: (run: ComparedOutcome) => Promise<void> = async () => {}): Promise<ComparedOutcome[]> {
  const store = compareStore(o);
  const log = o.log ?? (() => {});
  await checkTargets(o); // a bad spec among several is refused before the first run starts
  const runs: ComparedOutcome[] = [];
  for (const seed of o.seeds) {
    for (const target of o.targets) {
      log(`compare: ${o.scenario} on ${target}, seed ${seed}`);
      const outcome = await runScenario({
        scenario: o.scenario, target, seed, runtime: o.runtime, timeLimit: o.timeLimit, nodes: o.nodes, log, store, ssh: o.ssh,
        out: path.join(store, o.scenario, `${stamp()}-${target.replace(/[^A-Za-z0-9=-]+/g, '_')}-s${seed}`),
      });
      const run = { target, seed, outcome };
      await afterRun(run);
      runs.push(run);
    }
  }
  return runs;
}
