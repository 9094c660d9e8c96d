// CLI start-up bench section: `faultline check` on a 9-op history, started afresh 20 times each way,
// alternating: the compiled CLI (dist/, what bin/faultline.js runs when the build is up to date) and
// the TypeScript sources through tsx (what it runs otherwise, and all a check ran before the build).
// Wall time per start (spawn to exit) and the child's own peak RSS (from its --json body).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { staleReason } from '../bin/compiled.js';
import type { BenchSection } from './run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARGS = ['check', '--json', '--model', 'cas-register', 'examples/cas-register-ok.jsonl'];
const WAYS = {
  compiled: [path.join(ROOT, 'dist/harness/cli.js'), ...ARGS],
  tsx: ['--import', 'tsx', path.join(ROOT, 'harness/cli.ts'), ...ARGS],
};
const GOAL_MS = 200;

function start(args: string[]): { ms: number; rssMb: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`check failed to start: ${r.stderr}`);
  return { ms, rssMb: (JSON.parse(r.stdout) as { peakRssMb: number }).peakRssMb };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const section: BenchSection = {
  name: 'cli-start',
  description: 'faultline check on a 9-op history from a cold start: compiled dist/ against the sources through tsx',
  async run(args) {
    const i = args.indexOf('--starts'), starts = i >= 0 ? Number(args[i + 1]) : 20;
    const stale = staleReason(ROOT);
    const ways = stale ? (['tsx'] as const) : (['compiled', 'tsx'] as const);
    if (stale) console.log(`dist/ is not usable (${stale}): run npm run build to measure the compiled start`);
    const seen: Record<string, { ms: number[]; rss: number[] }> = {};
    for (let n = 0; n < starts; n++) {
      for (const way of ways) {
        const s = start(WAYS[way]);
        (seen[way] ??= { ms: [], rss: [] }).ms.push(s.ms);
        seen[way].rss.push(s.rssMb);
      }
    }
    for (const way of ways) {
      const { ms, rss } = seen[way];
      console.log(`${way.padEnd(8)}  median ${median(ms).toFixed(0)} ms  min ${Math.min(...ms).toFixed(0)} ms  max ${Math.max(...ms).toFixed(0)} ms  peak RSS median ${median(rss).toFixed(0)} MB  (${starts} starts)`);
    }
    if (stale) return false;
    const ok = median(seen.compiled.ms) < GOAL_MS;
    console.log(`compiled start ${ok ? 'meets' : 'MISSES'} the goal of < ${GOAL_MS} ms; ${(median(seen.tsx.ms) / median(seen.compiled.ms)).toFixed(1)}x faster than through tsx`);
    return ok;
  },
};
