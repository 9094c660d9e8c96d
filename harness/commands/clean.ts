// `faultline clean`: removes what runs left behind when they were killed before their own cleanup
// could run (namespaces, veths, processes, containers, folders). Each runtime knows its own
// leftovers; by default only those of runs whose faultline process is dead are touched, so cleaning
// is safe while other runs go on. `--all` removes every fl- resource, running or not.
import type { Command } from 'commander';
import { loadRuntime, runtimeInstalled, RUNTIME_KINDS } from '../runtime/registry.ts';

export async function clean(opts: { all?: boolean }, log: (line: string) => void): Promise<void> {
  for (const kind of RUNTIME_KINDS) {
    if (!runtimeInstalled(kind)) continue;
    const runtime = await loadRuntime(kind);
    const why = await runtime.unavailable();
    if (why) {
      log(`${kind}: skipped (${why})`);
      continue;
    }
    await runtime.clean(log, opts);
  }
}

export function register(program: Command): void {
  program
    .command('clean')
    .description('remove namespaces, processes, containers and links left behind by runs that were killed')
    .option('--all', 'remove every fl- resource, including those of runs still going')
    .action(async (opts: { all?: boolean }) => {
      let removed = 0;
      await clean(opts, (line) => {
        if (!line.includes('left alone') && !line.includes('skipped')) removed++;
        console.log(line);
      });
      if (removed === 0) console.log('nothing to clean');
    });
}
