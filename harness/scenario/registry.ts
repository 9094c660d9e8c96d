// Scenarios and targets are found by folder: scenarios/<name>.ts default-exports a Scenario,
// targets/<name>/index.ts default-exports a Target. Adding one means adding one file.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { Scenario } from './types.ts';
import type { Target } from '../target.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function loadScenarios(): Promise<Scenario[]> {
  const dir = path.join(ROOT, 'scenarios');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const out: Scenario[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default?: Scenario };
    if (mod.default) out.push(mod.default);
  }
  return out;
}

export async function loadScenario(name: string): Promise<Scenario> {
  // the scenario's own file first, so a broken file elsewhere cannot stop this run
  if (/^[a-z0-9-]+$/.test(name)) {
    const file = path.join(ROOT, 'scenarios', `${name}.ts`);
    if (existsSync(file)) {
      const mod = (await import(pathToFileURL(file).href)) as { default?: Scenario };
      if (mod.default?.name === name) return mod.default;
    }
  }
  const all = await loadScenarios();
  const found = all.find((s) => s.name === name);
  if (!found) throw new UsageError(`unknown scenario '${name}'; known: ${all.map((s) => s.name).join(', ') || '(none)'}`);
  return found;
}

export async function targetNames(): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, 'targets'), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export async function loadTarget(name: string): Promise<Target> {
  const names = await targetNames();
  if (!names.includes(name)) throw new UsageError(`unknown target '${name}'; known: ${names.join(', ')}`);
  const mod = (await import(pathToFileURL(path.join(ROOT, 'targets', name, 'index.ts')).href)) as { default?: Target };
  if (!mod.default) throw new UsageError(`target '${name}' has no default export in targets/${name}/index.ts`);
  return mod.default;
}
