// `faultline scenario NAME` (also `npm run scenario -- NAME`): runs one scenario and exits 0 when
// every check holds, 1 on a violation, 2 when the verdict is unknown or the harness failed.
import path from 'node:path';
import { Command, Option } from 'commander';
import { intFlag } from './flags.ts';
import { addSshOptions, sshSettings, withoutSshFlags, type SshFlags } from './ssh-flags.ts';
import { writeRunReports } from './report.ts';


interface ScenarioFlags extends SshFlags {
  target?: string;
  runtime?: 'netns' | 'docker' | 'local' | 'ssh';
  seed?: number;
  timeLimit?: number;
  nodes?: number;
  out?: string;
  concurrency?: number;
  schedule?: string;
  shrink?: boolean;
  shrinkBudget: number;
  shrinkAttempts?: number;
}

export function register(program: Command): void {
  addSshOptions(program
    .command('scenario')
    .description('run a named scenario (see `faultline list`) against a real target under faults')
    .argument('<name>', 'scenario name')
    .option('--target <spec>', "target, optionally with options: zookeeper, zk-lite:bug=stale-read, uwsgi-nginx:harakiri=3")
    .addOption(new Option('--runtime <kind>', 'where nodes run').choices(['netns', 'docker', 'local', 'ssh']))
    .option('--seed <n>', 'seed for the op mix and the fault schedule (printed on every run)', intFlag('seed', 0))
    .option('--time-limit <s>', 'seconds of workload', intFlag('time-limit', 1))
    .option('--nodes <n>', 'ensemble size (3 or 5)', intFlag('nodes', 1))
    .option('--out <dir>', 'run folder (default store/<scenario>/<timestamp>)')
    .option('--concurrency <n>', 'concurrent clients instead of the scenario\'s', intFlag('concurrency', 1))
    .option('--schedule <file>', 'replay this fault schedule (JSON array, or shrunk-schedule.json / result.json) instead of planning one from the seed')
    .option('--shrink', 'after a violation, re-run with smaller schedules, fewer clients and less time; keep the smallest that still fails')
    .option('--shrink-budget <s>', 'seconds of shrinking after which no new attempt starts', intFlag('shrink-budget', 1), 600)
    .option('--shrink-attempts <n>', 'at most this many shrink attempts', intFlag('shrink-attempts', 1))
    .action(async (name: string, o: ScenarioFlags) => {
      const { runScenario } = await import('../scenario/run.ts');
      const log = (line: string) => process.stderr.write(line + '\n');
      const ssh = sshSettings(o);
      const { shrink, shrinkBudget, shrinkAttempts, schedule: scheduleFile, ...runFlags } = withoutSshFlags(o);
      const schedule = scheduleFile ? (await import('../scenario/shrink.ts')).loadScheduleFile(scheduleFile) : undefined;
      const runOpts = { scenario: name, ...runFlags, schedule, log, handleSignals: true, ...(ssh ? { ssh } : {}) };
      const outcome = await runScenario(runOpts);
      const { dir, result } = outcome;
      await writeRunReports(dir, log, outcome.store);
      const verdict = result.valid === true ? 'VALID' : result.valid === false ? 'INVALID' : 'UNKNOWN';
      console.log(`\n${verdict}: ${result.summary}`);
      for (const c of result.checks) {
        const text = c.summary.startsWith(`${c.checker}:`) ? c.summary : `${c.checker}: ${c.summary}`;
        console.log(`  ${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??? '} ${text}`);
      }
      if (result.knownIssues?.length) {
        const { describeKnownIssue, onlyKnownIssues } = await import('../scenario/known-issues.ts');
        for (const k of result.knownIssues) console.log(`  known upstream issue: the ${k.checker} violation matches ${describeKnownIssue(k)}`);
        if (onlyKnownIssues(result)) console.log('every violation matches a known upstream issue (exit 1 all the same: the history breaks the promise; a campaign counts the run as known)');
      }
      console.log(`ops ${result.ops}, ${result.metrics?.opsPerSec ?? '?'} ops/s; run folder ${dir}`);
      console.log(`report: ${path.join(dir, 'report.html')}`);
      if (result.valid !== true) {
        console.log(`seed ${result.seed}; fault schedule: ${JSON.stringify(result.schedule ?? [])}`);
        console.log(`replay: ${result.replay}${runFlags.concurrency ? ` --concurrency ${runFlags.concurrency}` : ''}${scheduleFile ? ` --schedule ${scheduleFile}` : ''}`);
      }
      if (shrink && result.valid === false) {
        const { shrinkScenario } = await import('../scenario/shrink.ts');
        const s = await shrinkScenario(runOpts, outcome, { budgetS: shrinkBudget, maxAttempts: shrinkAttempts });
        const shape = (x: typeof s.original) => `${x.schedule.length} faults (${(x.schedule.reduce((t, f) => t + f.duration, 0) / 1000).toFixed(1)} s), ${x.concurrency} clients, ${x.timeLimit} s`;
        console.log(`shrunk (${s.attempts.length} attempts, ${s.stopped}): ${shape(s.original)} → ${shape(s.shrunk)}`);
        console.log(`shrunk fault schedule: ${JSON.stringify(s.shrunk.schedule)}`);
        console.log(`replay the shrunk run: ${s.replay}`);
        // each attempt is a run of its own beside the original; the original's report gains the shrink
        for (const a of s.attempts) if (a.dir) await writeRunReports(a.dir, log, outcome.store);
        await writeRunReports(dir, log, outcome.store);
      }
      process.exit(result.valid === true ? 0 : result.valid === false ? 1 : 2);
    }));
}
