// `npm run bench`: runs the benchmark sections. A section is any module `bench/<name>.ts` (helpers
// named `*-worker.ts` or listed in HELPERS excepted) that exports either `section: BenchSection` or a
// plain `bench(args)` function that prints its own table; adding one needs no edit here.
// `npm run bench -- checker` runs only the named sections; `--flag value` arguments go to every
// section. A section that fails to load or throws is reported and the others still run.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchSection {
  name: string;
  description: string;
  /** Prints its own table; returns false when a goal or an expected result was missed. */
  run(args: string[]): Promise<boolean>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Modules in bench/ that are building blocks of sections, not sections. */
const HELPERS = new Set(['run.ts', 'kv-history.ts']);

function sectionNames(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !HELPERS.has(f) && !f.endsWith('-worker.ts'))
    .map((f) => f.replace(/(\.bench)?\.ts$/, ''))
    .sort();
}

async function loadSection(name: string): Promise<BenchSection> {
  const file = [`${name}.bench.ts`, `${name}.ts`].find((f) => readdirSync(here).includes(f))!;
  const mod = (await import(path.join(here, file))) as { section?: BenchSection; bench?: (args: string[]) => Promise<void> | void };
  if (mod.section) return mod.section;
  const bench = mod.bench;
  if (typeof bench !== 'function') throw new Error(`bench/${file} exports neither 'section' nor 'bench()'`);
  return { name, description: `bench/${file}`, run: async (args) => { await bench(args); return true; } };
}

async function main(argv: string[]): Promise<void> {
  const wanted = argv.filter((a, i) => !a.startsWith('--') && !(argv[i - 1] ?? '').startsWith('--'));
  const passThrough = argv.filter((a) => !wanted.includes(a));
  const names = sectionNames().filter((n) => wanted.length === 0 || wanted.includes(n));
  if (names.length === 0) throw new Error(`no bench section named ${wanted.join(', ')} (have: ${sectionNames().join(', ')})`);
  let ok = true;
  for (const name of names) {
    try {
      const s = await loadSection(name);
      console.log(`\n== ${s.name}: ${s.description}`);
      ok = (await s.run(passThrough)) && ok;
    } catch (err) {
      console.log(`\n== ${name}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
      ok = false;
    }
  }
  process.exitCode = ok ? 0 : 1;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
