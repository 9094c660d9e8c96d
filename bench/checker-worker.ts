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
import type { GenerateOptions } from '../test/support/histories.ts';
import { generateHistory } from '../test/support/histories.ts';

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

interface Job { file: string; model: string; generate?: { ops: number; keys: number; seed: number }; simulate?: GenerateOptions; explain?: boolean }

/** A simulated history; a seed with no place for the planted violation gives way to the next one. */
function simulated(opts: GenerateOptions) {
  for (let i = 0; i < 100; i++) {
    const history = generateHistory({ ...opts, seed: opts.seed + i * 1_000_003 });
    if (history) return history;
  }
  throw new Error(`no history with a ${opts.violation} violation for seed ${opts.seed}`);
}

function runJob(job: Job, runs: number): Record<string, unknown> {
  (globalThis as { gc?: () => void }).gc?.(); // what earlier files left behind is not this file's memory
  resetPeak();
  const t0 = performance.now();
  const ops = job.simulate ? simulated(job.simulate) : job.generate ? generateKvHistory(job.generate) : loadHistory(job.file).ops;
  const parseMs = performance.now() - t0;
  if (job.simulate) { // generating is not checking: measure from here, the history in memory
    (globalThis as { gc?: () => void }).gc?.();
    resetPeak();
  }
  const times: number[] = [], explain: number[] = [];
  let verdict = '', summary = '', paired = 0, method = '', counterexampleOps: number | undefined;
  for (let i = 0; i < runs; i++) {
    const r = checkLinearizability(job.model, ops, { explain: job.explain ?? true, timeLimitS: 60 });
    // elapsedMs is the time to the verdict; the counterexample is computed after it (counterexampleMs).
    times.push(r.details.elapsedMs);
    if (r.details.counterexampleMs !== undefined) explain.push(r.details.counterexampleMs);
    verdict = verdictWord(r.valid);
    summary = r.summary;
    paired = r.details.ops;
    method = r.details.method;
    counterexampleOps = r.details.counterexample?.ops.filter((op) => op.type === 'invoke').length;
  }
  const counterexampleMs = explain.length ? Math.min(...explain) : undefined;
  return {
    file: job.file, model: job.model, method, verdict, summary, ops: paired, parseMs, firstMs: times[0], bestMs: Math.min(...times),
    counterexampleMs, counterexampleOps, peakRssMb: peakMb(),
  };
}

const { jobs, runs } = JSON.parse(readFileSync(0, 'utf8')) as { jobs: Job[]; runs: number }; // the job list, on stdin
for (const job of jobs) process.stdout.write(`${JSON.stringify(runJob(job, runs))}\n`);
