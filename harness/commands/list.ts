// `faultline list`: the named scenarios and what each does.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('list')
    .description('list the scenarios in scenarios/')
    .action(async () => {
      const { loadScenarios } = await import('../scenario/registry.ts');
      const scenarios = await loadScenarios();
      const width = Math.max(...scenarios.map((s) => s.name.length), 8);
      for (const s of scenarios) console.log(`${s.name.padEnd(width)}  ${s.target.padEnd(12)}  ${s.description}`);
    });
}
