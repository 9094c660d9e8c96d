// Child process of the checker bench: checks the files it is given, one JSON line per file on
// stdout. Runs in its own process so its memory is its own. Peak memory per file is the kernel's
// resident high-water mark (VmHWM), reset to the current RSS before each file (/proc/self/clear_refs),
// after a full GC, so it includes only what earlier files left on the heap and the OS has not taken
// back: an upper bound, never an underestimate.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadHistory } from '../harness/history/load.ts';
import { checkLinearizability } from '../harness/checker/linearizability.ts';
import { verdictWord } from '../harness/checker/describe.ts';
import { generateKvHistory } from './kv-history.ts';

function resetPeak(): void {
  try { writeFileSync('/proc/self/clear_refs', '5'); } catch { /* not Linux: the peak stays cumulative */ }
}

function peakMb(): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* fall through */ }
  return process.resourceUsage().maxRSS / 1024;
}

interface Job { file: string; model: string; generate?: { ops: number; keys: number; seed: number } }

function runJob(job: Job, runs: number): Record<string, unknown> {
  (globalThis as { gc?: () => void }).gc?.(); // what earlier files left behind is not this file's memory
  resetPeak();
  const t0 = performance.now();
  const ops = job.generate ? generateKvHistory(job.generate) : loadHistory(job.file).ops;
  const parseMs = performance.now() - t0;
  const times: number[] = [];
  let verdict = '', summary = '', paired = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = checkLinearizability(job.model, ops, { minimize: false });
    times.push(performance.now() - t);
    verdict = verdictWord(r.valid);
    summary = r.summary;
    paired = r.details.ops;
  }
  let counterexampleMs: number | undefined, counterexampleOps: number | undefined;
  if (verdict === 'not-linearizable') {
    const t = performance.now();
    const r = checkLinearizability(job.model, ops);
    counterexampleMs = performance.now() - t;
    counterexampleOps = r.details.counterexample?.ops.filter((op) => op.type === 'invoke').length;
  }
  return {
    file: job.file, model: job.model, verdict, summary, ops: paired, parseMs, firstMs: times[0], bestMs: Math.min(...times),
    counterexampleMs, counterexampleOps, peakRssMb: peakMb(),
  };
}

const { jobs, runs } = JSON.parse(process.argv[2]) as { jobs: Job[]; runs: number };
for (const job of jobs) process.stdout.write(`${JSON.stringify(runJob(job, runs))}\n`);
