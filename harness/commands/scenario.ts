// `faultline scenario NAME` (also `npm run scenario -- NAME`): runs one scenario and exits 0 when
// every check holds, 1 on a violation, 2 when the verdict is unknown or the harness failed.
import { Command, Option } from 'commander';
import { UsageError } from '../errors.ts';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
};

export function register(program: Command): void {
  program
    .command('scenario')
    .description('run a named scenario (see `faultline list`) against a real target under faults')
    .argument('<name>', 'scenario name')
    .option('--target <spec>', "target, optionally with options: zookeeper, zk-lite:bug=stale-read, uwsgi-nginx:harakiri=3")
    .addOption(new Option('--runtime <kind>', 'where nodes run').choices(['netns', 'docker', 'local']))
    .option('--seed <n>', 'seed for the op mix and the fault schedule (printed on every run)', int('seed', 0))
    .option('--time-limit <s>', 'seconds of workload', int('time-limit', 1))
    .option('--nodes <n>', 'ensemble size (3 or 5)', int('nodes', 1))
    .option('--out <dir>', 'run folder (default store/<scenario>/<timestamp>)')
    .action(async (name: string, o: { target?: string; runtime?: 'netns' | 'docker' | 'local'; seed?: number; timeLimit?: number; nodes?: number; out?: string }) => {
      const { runScenario } = await import('../scenario/run.ts');
      const log = (line: string) => process.stderr.write(line + '\n');
      const { dir, result } = await runScenario({ scenario: name, ...o, log, handleSignals: true });
      const verdict = result.valid === true ? 'VALID' : result.valid === false ? 'INVALID' : 'UNKNOWN';
      console.log(`\n${verdict}: ${result.summary}`);
      for (const c of result.checks) console.log(`  ${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??? '} ${c.checker}: ${c.summary}`);
      console.log(`ops ${result.ops}, ${result.metrics?.opsPerSec ?? '?'} ops/s; run folder ${dir}`);
      if (result.valid !== true) console.log(`replay: ${result.replay}`);
      process.exit(result.valid === true ? 0 : result.valid === false ? 1 : 2);
    });
}
