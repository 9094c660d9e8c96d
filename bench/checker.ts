// Checker bench section: every history with a known verdict in data/porcupine, plus a generated
// 100,000-op history over 1,000 keys, each checked in a child process (bench/checker-worker.ts).
// Prints verdict, the method that decided it, ops, time to the verdict (first and best of the runs;
// the counterexample is computed after the verdict and timed apart) and peak memory per file and a
// total line, against the Porcupine (Go) reference figures for the same files.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.join(ROOT, 'data/porcupine');
const WORKER = path.join(ROOT, 'bench/checker-worker.ts');

/** Porcupine's times on this kind of machine (ms), from the issue; other etcd logs take under 4 ms. */
const REFERENCE_MS: Record<string, number> = {
  'etcd/etcd_002.log': 200, 'etcd/etcd_007.log': 130, 'etcd/etcd_057.log': 75, 'etcd/etcd_099.log': 75,
  'etcd/etcd_075.log': 18, 'kv/c50-ok.txt': 130, 'kv/c50-bad.txt': 20,
};
const MEMORY_GOAL_MB = 200, TOTAL_GOAL_MS = 1000, BIG_GOAL_MS = 5000;

export interface Row {
  file: string; model: string; method: string; verdict: string; ops: number; parseMs: number; firstMs: number; bestMs: number;
  counterexampleMs?: number; counterexampleOps?: number; peakRssMb: number; expected?: string;
}

export function runWorker(jobs: unknown[], runs: number, timeoutMs = 600_000): Row[] {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', WORKER], { cwd: ROOT, input: JSON.stringify({ jobs, runs }), encoding: 'utf8', maxBuffer: 256 * 2 ** 20, timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`checker worker failed: ${r.stderr || r.error?.message}`);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as Row);
}

const fmt = (x: number | undefined, digits = 1): string => (x === undefined ? '' : x.toFixed(digits));

function printTable(rows: Row[]): void {
  const header = ['file', 'model', 'method', 'verdict', 'ok', 'ops', 'first ms', 'best ms', 'porcupine ms', 'cx ms', 'cx ops', 'peak MB'];
  const cells = rows.map((r) => [
    r.file, r.model, r.method, r.verdict, r.expected === undefined ? '' : r.expected === r.verdict ? 'yes' : 'NO', String(r.ops),
    fmt(r.firstMs), fmt(r.bestMs), r.file.startsWith('etcd') || r.file.startsWith('kv') ? String(REFERENCE_MS[r.file] ?? '<4') : '',
    fmt(r.counterexampleMs), r.counterexampleOps === undefined ? '' : String(r.counterexampleOps), fmt(r.peakRssMb, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const line of [header, ...cells]) console.log(line.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export const section: BenchSection = {
  name: 'checker',
  description: 'linearizability checker on the Porcupine histories and a generated 100k-op kv history',
  async run(args) {
    const runs = option(args, '--runs', 3);
    const manifest = readFileSync(path.join(DATA, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const jobs = manifest.map(([file, model]) => ({ file: path.join(DATA, file), model }));
    const rows = runWorker(jobs, runs).map((r, i) => ({ ...r, file: manifest[i][0], expected: manifest[i][3] }));
    const big = runWorker([{ file: 'generated kv 100k ops / 1000 keys', model: 'kv', generate: { ops: 100_000, keys: 1000, seed: 42 } }], 1)[0];
    printTable([...rows, big]);
    const wrong = rows.filter((r) => r.expected !== r.verdict);
    const first = rows.reduce((s, r) => s + r.firstMs, 0), best = rows.reduce((s, r) => s + r.bestMs, 0);
    const peak = Math.max(...rows.map((r) => r.peakRssMb));
    const slower = rows.filter((r) => r.bestMs > (REFERENCE_MS[r.file] ?? 4) * 1.0);
    console.log(`total: ${rows.length} files, ${wrong.length} wrong verdicts, check time ${first.toFixed(0)} ms cold / ${best.toFixed(0)} ms best of ${runs} (goal < ${TOTAL_GOAL_MS}), peak ${peak.toFixed(0)} MB (goal < ${MEMORY_GOAL_MB})`);
    console.log(`generated: ${big.ops} ops over 1000 keys ${big.verdict} in ${big.bestMs.toFixed(0)} ms (generation ${big.parseMs.toFixed(0)} ms; goal < ${BIG_GOAL_MS}), peak ${big.peakRssMb.toFixed(0)} MB`);
    if (slower.length) console.log(`slower than Porcupine's figure (best run): ${slower.map((r) => `${r.file} ${r.bestMs.toFixed(1)} ms`).join(', ')}`);
    return wrong.length === 0 && big.verdict === 'linearizable' && best < TOTAL_GOAL_MS && peak < MEMORY_GOAL_MB && big.bestMs < BIG_GOAL_MS;
  },
};
