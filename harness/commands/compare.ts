// `faultline compare SCENARIO --targets A,B [--seeds N]`: the same scenario and seeds on several
// targets. Exit 0 when every run is valid, 1 when some run found a violation, 2 when some verdict is
// unknown (and none invalid) — so CI can require "all targets pass", and a comparison against a
// deliberately buggy target is expected to exit 1.
import { Command, Option } from 'commander';
import { UsageError } from '../errors.ts';
import { intFlag } from './flags.ts';
import { addSshOptions, sshSettings, type SshFlags } from './ssh-flags.ts';
import { randomSeed } from '../rng.ts';
import { writeRunReports } from './report.ts';
import { compareRuns, compareStore } from '../scenario/compare.ts';
import { comparedRun, comparisonOf, comparisonTable, writeComparison, type ComparedRun } from '../../reports/comparison.ts';


export function register(program: Command): void {
  addSshOptions(program
    .command('compare')
    .description('run a scenario on several targets with the same seeds and compare verdicts, throughput, latency and failover')
    .argument('<scenario>', 'scenario name')
    .option('--targets <list>', "comma-separated target specs, e.g. zookeeper,zk-lite,zk-lite:bug=stale-read (use ; between specs that contain commas); default: the scenario's own list")
    .option('--seeds <n>', 'how many seeds (consecutive, from --seed)', intFlag('seeds', 1), 1)
    .option('--seed <n>', 'first seed (default: random, printed)', intFlag('seed', 0))
    .option('--time-limit <s>', 'seconds of workload per run', intFlag('time-limit', 1))
    .option('--nodes <n>', 'ensemble size', intFlag('nodes', 1))
    .addOption(new Option('--runtime <kind>', 'where nodes run').choices(['netns', 'docker', 'local', 'ssh']))
    .action(async (scenario: string, o: SshFlags & { targets?: string; seeds: number; seed?: number; timeLimit?: number; nodes?: number; runtime?: 'netns' | 'docker' | 'local' | 'ssh' }) => {
      const { loadScenario } = await import('../scenario/registry.ts');
      const known = await loadScenario(scenario);
      const targets = o.targets ? splitTargets(o.targets) : known.targets ?? [known.target];
      if (targets.length < 1) throw new UsageError('--targets needs at least one target');
      const first = o.seed ?? randomSeed();
      const seeds = Array.from({ length: o.seeds }, (_, i) => first + i);
      const ssh = sshSettings(o);
      const log = (line: string) => process.stderr.write(line + '\n');
      const store = compareStore({});
      const startedAt = new Date().toISOString();
      const rows: ComparedRun[] = [];
      await compareRuns({ scenario, targets, seeds, runtime: o.runtime, timeLimit: o.timeLimit, nodes: o.nodes, store, log, ssh }, async ({ target, seed, outcome }) => {
        await writeRunReports(outcome.dir, log, outcome.store);
        rows.push(await comparedRun(store, { target, seed, dir: outcome.dir, result: outcome.result }));
      });
      const comparison = comparisonOf(scenario, startedAt, targets, seeds, rows);
      const { json, html } = await writeComparison(store, comparison, log);
      console.log(`\n${comparisonTable(comparison)}\n\nJSON: ${json}${html ? `\nHTML: ${html}` : ''}`);
      const all = comparison.runs.map((r) => r.valid);
      process.exit(all.includes(false) ? 1 : all.includes('unknown') ? 2 : 0);
    }));
}

/** `a,b:x=1,c` → targets; options of one target are separated by ',' only after a ':' target spec
 *  when the whole list uses ';' — keep it simple: ';' separates when present, ',' otherwise. */
export function splitTargets(list: string): string[] {
  return list.split(list.includes(';') ? ';' : ',').map((s) => s.trim()).filter(Boolean);
}
