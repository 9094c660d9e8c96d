// Large synthetic run folders for the report size test and the report benchmark: a seeded register
// workload with many processes, some failures and timeouts, and periodic nemesis faults. Real runs come
// from the scenario runner; this only exists to measure how reports cope with 100,000-op histories.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/checker/result.ts';

/** Small deterministic PRNG (mulberry32) so the same size gives the same history. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A register history of `records` records (invokes + completions + fault events), ~1 ms apart. */
export function syntheticHistory(records: number, seed = 1, processes = 10): Op[] {
  const rand = prng(seed);
  const ops: Op[] = [];
  const open = new Map<number, Op>();
  let time = 0, value = 0, nextProcess = processes, fault = 0;
  const push = (op: Omit<Op, 'index'>) => ops.push({ ...op, index: ops.length } as Op);
  const active = Array.from({ length: processes }, (_, i) => i);
  while (ops.length < records) {
    time += rand() * 2;
    if (ops.length % 5000 === 100) push({ time, process: 'nemesis', type: 'event', f: 'fault-start', value: { fault: fault % 2 ? 'kill' : 'partition', id: `f${fault}`, targets: ['n1'] } });
    if (ops.length % 5000 === 2100) push({ time, process: 'nemesis', type: 'event', f: 'fault-end', value: { fault: fault % 2 ? 'kill' : 'partition', id: `f${fault++}`, targets: ['n1'] } });
    const k = Math.floor(rand() * active.length);
    const p = active[k];
    const inv = open.get(p);
    if (!inv) {
      const f = rand() < 0.5 ? 'read' : 'write';
      const op = { time, process: p, type: 'invoke' as const, f, value: f === 'write' ? ++value : null, node: `n${1 + (p % 3)}` };
      push(op);
      open.set(p, ops[ops.length - 1]);
      continue;
    }
    open.delete(p);
    const r = rand();
    if (r < 0.003) { push({ time: time + 500, process: p, type: 'info', f: inv.f, value: inv.value, error: 'timeout' }); active[k] = nextProcess++; }
    else if (r < 0.02) push({ time, process: p, type: 'fail', f: inv.f, value: inv.value, error: 'connection refused' });
    else push({ time, process: p, type: 'ok', f: inv.f, value: inv.f === 'read' ? value : inv.value });
  }
  return ops;
}

export interface RunFolderSpec {
  history: readonly Op[];
  result?: RunResult;
  logs?: Record<string, string>;
}

/** Writes history.jsonl, result.json and logs/<node>.log into `dir` as the scenario runner does. */
export async function writeRunFolder(dir: string, spec: RunFolderSpec): Promise<string> {
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  await writeFile(path.join(dir, 'history.jsonl'), spec.history.map((op) => JSON.stringify(op)).join('\n') + '\n');
  if (spec.result) await writeFile(path.join(dir, 'result.json'), JSON.stringify(spec.result, null, 2));
  for (const [node, text] of Object.entries(spec.logs ?? {})) await writeFile(path.join(dir, 'logs', `${node}.log`), text);
  return dir;
}

/** A whole synthetic run folder with `records` history records and a plain result.json. */
export async function writeSyntheticRun(dir: string, records: number): Promise<string> {
  const history = syntheticHistory(records);
  const last = history[history.length - 1];
  const result: RunResult = {
    scenario: 'synthetic-register', target: 'synthetic', runtime: 'local', seed: 1, startedAt: new Date(0).toISOString(),
    durationMs: last.time, ops: history.filter((o) => o.type === 'invoke').length, valid: true,
    summary: 'synthetic history for measuring report size and load time', checks: [
      { checker: 'linearizable', valid: true, summary: 'not checked (synthetic)', details: { model: 'register', ops: history.length } },
    ], replay: 'none (synthetic)',
  };
  return writeRunFolder(dir, { history, result, logs: { n1: 'synthetic log line\n'.repeat(100) } });
}
