// `npm run bench`: runs the benchmark sections. A section is a file `bench/<name>.bench.ts` that
// exports `section: BenchSection`; adding one needs no edit here. `npm run bench -- checker` runs
// only the named sections; extra `--flag value` arguments are passed to every section.
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

async function loadSections(): Promise<BenchSection[]> {
  const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
  const sections: BenchSection[] = [];
  for (const file of files) {
    const mod = (await import(path.join(here, file))) as { section?: BenchSection };
    if (mod.section) sections.push(mod.section);
  }
  return sections;
}

async function main(argv: string[]): Promise<void> {
  const wanted = argv.filter((a, i) => !a.startsWith('--') && !(argv[i - 1] ?? '').startsWith('--'));
  const passThrough = argv.filter((a) => !wanted.includes(a));
  const sections = (await loadSections()).filter((s) => wanted.length === 0 || wanted.includes(s.name));
  if (sections.length === 0) throw new Error(`no bench section named ${wanted.join(', ')}`);
  let ok = true;
  for (const s of sections) {
    console.log(`\n== ${s.name}: ${s.description}`);
    ok = (await s.run(passThrough)) && ok;
  }
  process.exitCode = ok ? 0 : 1;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
