// store/index.html: every stored run, newest first, and side-by-side comparisons of runs of the same
// scenario on different targets or seeds. The scenario and compare commands call writeIndex after every run;
// `faultline report` calls it too. Only result.json and the cached run stats are read.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Validity } from '../harness/checker/result.ts';
import { readResult } from './run-folder.ts';
import { runStats, type RunStats } from './run-stats.ts';
import { renderPage } from './page.ts';
import { listCampaigns } from './campaign-page.ts';
import { UsageError } from '../harness/errors.ts';

export interface IndexedRun {
  /** Run folder relative to the store, with '/' separators. */
  dir: string;
  report: string | null;
  scenario: string;
  target: string;
  runtime: string;
  seed: number | null;
  startedAt: string;
  durationMs: number | null;
  ops: number | null;
  valid: Validity;
  summary: string;
  checks: { checker: string; valid: Validity }[];
  metrics: Record<string, number>;
  stats: RunStats | null;
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

const exists = (file: string) => stat(file).then(() => true, () => false);

/** One run folder as an index row, or null when the folder holds no run. */
async function indexRun(storeDir: string, scenarioDir: string, name: string): Promise<IndexedRun | null> {
  const dir = path.join(storeDir, scenarioDir, name);
  const hasHistory = await exists(path.join(dir, 'history.jsonl'));
  const r = await readResult(dir).catch(() => null);
  if (!r && !hasHistory) return null;
  const created = typeof r?.startedAt === 'string' ? r.startedAt : (await stat(dir)).mtime.toISOString();
  return {
    dir: `${scenarioDir}/${name}`, report: (await exists(path.join(dir, 'report.html'))) ? `${scenarioDir}/${name}/report.html` : null,
    scenario: String(r?.scenario ?? scenarioDir), target: String(r?.target ?? '?'), runtime: String(r?.runtime ?? '?'), seed: r?.seed ?? null,
    startedAt: created, durationMs: typeof r?.durationMs === 'number' ? r.durationMs : null, ops: typeof r?.ops === 'number' ? r.ops : null,
    valid: r ? r.valid : 'unknown', summary: String(r?.summary ?? 'no result.json: the run did not finish'),
    checks: (r?.checks ?? []).map((c) => ({ checker: String(c.checker), valid: c.valid })), metrics: r?.metrics ?? {},
    stats: await runStats(dir).catch(() => null),
  };
}

/** Every run under store/<scenario>/<run>/, newest first. */
export async function listRuns(storeDir: string): Promise<IndexedRun[]> {
  const runs: IndexedRun[] = [];
  for (const scenario of await subdirs(storeDir)) {
    for (const name of await subdirs(path.join(storeDir, scenario))) {
      const run = await indexRun(storeDir, scenario, name);
      if (run) runs.push(run);
    }
  }
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.dir.localeCompare(a.dir));
}

/** Comparisons written by `faultline compare` (store/compare/*.json), newest first. */
async function listComparisons(storeDir: string): Promise<{ page: string; scenario: string; targets: string[]; seeds: number[]; startedAt: string }[]> {
  const dir = path.join(storeDir, 'compare');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  const out = [];
  for (const f of files) {
    try {
      const c = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { scenario: string; targets: string[]; seeds: number[]; startedAt: string };
      out.push({ page: `compare/${f.replace(/\.json$/, '.html')}`, scenario: String(c.scenario), targets: c.targets.map(String), seeds: c.seeds.map(Number), startedAt: String(c.startedAt) });
    } catch {
      // a comparison being written right now
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export async function renderIndex(storeDir: string): Promise<string> {
  const info = await stat(storeDir).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`not a store folder: ${storeDir}`);
  const runs = await listRuns(storeDir);
  const compares = await listComparisons(storeDir);
  const campaigns = await listCampaigns(storeDir, subdirs);
  return renderPage({ title: `faultline runs — ${runs.length} in ${path.basename(path.resolve(storeDir))}`, app: 'index', data: { generatedAt: new Date().toISOString(), runs, compares, campaigns, linkPrefix: '' }, charts: false });
}

/** The page of one `faultline compare` (store/compare/<name>.html): its runs, side by side. */
export async function renderComparison(storeDir: string, c: { scenario: string; targets: string[]; seeds: number[]; runs: { dir: string }[] }): Promise<string> {
  const rows: IndexedRun[] = [];
  for (const r of c.runs) {
    const [scenarioDir, name] = r.dir.split(path.sep);
    const row = await indexRun(storeDir, scenarioDir, name);
    if (row) rows.push(row);
  }
  const title = `faultline compare — ${c.scenario} on ${c.targets.join(', ')} (seeds ${c.seeds.join(', ')})`;
  return renderPage({ title, app: 'index', data: { generatedAt: new Date().toISOString(), runs: rows, heading: title, linkPrefix: '../' }, charts: false });
}

/** Writes storeDir/index.html; returns its path. */
export async function writeIndex(storeDir: string): Promise<string> {
  const out = path.join(storeDir, 'index.html');
  await writeFile(out, await renderIndex(storeDir));
  return out;
}
