// Checker bench section: the decision procedures on generated histories of the shapes that defeat a
// generic search (test/support/histories.ts: 10 clients against a correct object, then for half of
// them one planted violation, cycling through the kinds), 1,000 per model at the sizes and at
// 10×, each checked in a child process that measures its peak memory (bench/checker-worker.ts).
// Prints decided / unknown / wrong, verdict time (p50, p99, max), counterexample time on every tenth
// violation, and peak RSS, against the goals: 0 unknown, 0 wrong, under 1 s and 200 MB at the stated
// sizes, under 5 s at 10×.
import type { BenchSection } from './run.ts';
import type { Row } from './checker.ts';
import { runWorker } from './checker.ts';
import type { GeneratedModel } from '../test/support/histories.ts';
import { VIOLATIONS } from '../test/support/histories.ts';

const SHAPES: Record<GeneratedModel, { ops: number; infoRate: number }> = {
  set: { ops: 350, infoRate: 1 / 6 },
  'fifo-queue': { ops: 1600, infoRate: 0.01 },
  register: { ops: 1600, infoRate: 0.01 },
  'cas-register': { ops: 1600, infoRate: 0.01 },
};
const GOAL_MS = { 1: 1000, 10: 5000 } as const, GOAL_MB = 200;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const quantile = (xs: number[], q: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

interface Line { model: string; scale: 1 | 10; ops: number; rows: Row[]; expected: string[] }

function jobsFor(model: GeneratedModel, scale: 1 | 10, count: number): { jobs: unknown[]; expected: string[] } {
  const kinds = VIOLATIONS[model], jobs: unknown[] = [], expected: string[] = [];
  for (let i = 0; i < count; i++) {
    const violation = i % 2 === 0 ? undefined : kinds[(i >> 1) % kinds.length];
    const simulate = { model, ops: SHAPES[model].ops * scale, infoRate: SHAPES[model].infoRate, seed: 1 + i, violation };
    jobs.push({ file: `${model} #${i}`, model, simulate, explain: violation !== undefined && i % 20 === 1 });
    expected.push(violation ? 'not-linearizable' : 'linearizable');
  }
  return { jobs, expected };
}

function printTable(lines: Line[]): boolean {
  const header = ['model', 'size', 'ops', 'histories', 'decided', 'unknown', 'wrong', 'method', 'p50 ms', 'p99 ms', 'max ms', 'cx p50', 'cx max', 'peak MB', 'goals'];
  let ok = true;
  const cells = lines.map(({ model, scale, ops, rows, expected }) => {
    const unknown = rows.filter((r) => r.verdict === 'unknown').length;
    const wrong = rows.filter((r, i) => r.verdict !== 'unknown' && r.verdict !== expected[i]).length;
    const times = rows.map((r) => r.bestMs), cx = rows.flatMap((r) => (r.counterexampleMs === undefined ? [] : [r.counterexampleMs]));
    const peak = Math.max(...rows.map((r) => r.peakRssMb));
    const methods = [...new Set(rows.map((r) => r.method))].join(',');
    const met = unknown === 0 && wrong === 0 && Math.max(...times) < GOAL_MS[scale] && (scale === 10 || peak < GOAL_MB);
    ok &&= met;
    const f = (x: number): string => (Number.isNaN(x) ? '' : x.toFixed(1));
    return [model, `${scale}x`, String(ops), String(rows.length), String(rows.length - unknown), String(unknown), String(wrong), methods,
      f(quantile(times, 0.5)), f(quantile(times, 0.99)), f(Math.max(...times)), f(quantile(cx, 0.5)), f(cx.length ? Math.max(...cx) : NaN), peak.toFixed(0), met ? 'met' : 'MISSED'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const line of [header, ...cells]) console.log(line.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  return ok;
}

export const section: BenchSection = {
  name: 'checker-generated',
  description: 'decision procedures on generated set / queue / register histories, 1,000 per model at the issue sizes and 10x',
  async run(args) {
    const count = option(args, '--histories', 1000);
    const lines: Line[] = [];
    for (const scale of [1, 10] as const) {
      for (const model of Object.keys(SHAPES) as GeneratedModel[]) {
        const { jobs, expected } = jobsFor(model, scale, count);
        const rows = runWorker(jobs, 1, 3 * 3600_000);
        lines.push({ model, scale, ops: rows[0]?.ops ?? 0, rows, expected });
      }
    }
    const ok = printTable(lines);
    console.log(`times are to the verdict (elapsedMs); cx: counterexample (locating and shrinking, after the verdict) on every tenth violation; goals: 0 unknown, 0 wrong, max < ${GOAL_MS[1]} ms and < ${GOAL_MB} MB at 1x, max < ${GOAL_MS[10]} ms at 10x`);
    return ok;
  },
};
