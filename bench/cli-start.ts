// CLI start-up bench section: `faultline check` on a 9-op history from a cold start, the way hyperfine
// measures a command (it is not a dependency, so this does the same by hand): a few warm-up starts,
// then N starts of each way, interleaved so that a neighbour's load falls on all of them alike.
// Ways: Node alone (`node -e`: the floor no CLI goes under), `faultline` as users start it
// (bin/faultline.js: the bundled dist/ when it is up to date, which is what `npm ci` leaves), and the
// TypeScript sources through tsx (the dev loop, and what bin/faultline.js falls back to).
// Wall time per start (spawn to exit) and the child's own peak RSS.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { staleReason } from '../bin/compiled.js';
import type { BenchSection } from './run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARGS = ['check', '--json', '--model', 'cas-register', 'examples/cas-register-ok.jsonl'];
/** How each way is started, and how its peak RSS (MB) is read from what it prints. */
const WAYS = {
  node: { argv: ['-e', 'process.stdout.write(JSON.stringify({ peakRssMb: process.resourceUsage().maxRSS / 1024 }))'] },
  faultline: { argv: [path.join(ROOT, 'bin/faultline.js'), ...ARGS] },
  tsx: { argv: ['--import', 'tsx', path.join(ROOT, 'harness/cli.ts'), ...ARGS] },
} as const;
type Way = keyof typeof WAYS;
const GOAL_MS = 200;
const WARMUP = 3;

function start(way: Way): { ms: number; rssMb: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, WAYS[way].argv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${way} failed to start: ${r.stderr}`);
  return { ms, rssMb: (JSON.parse(r.stdout) as { peakRssMb: number }).peakRssMb };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const section: BenchSection = {
  name: 'cli-start',
  description: 'faultline check on a 9-op history from a cold start: Node alone, faultline (bundled dist/), the sources through tsx',
  async run(args) {
    const i = args.indexOf('--starts'), starts = i >= 0 ? Number(args[i + 1]) : 20;
    const stale = staleReason(ROOT);
    console.log(stale ? `dist/ is not usable (${stale}): faultline runs the sources through tsx; run npm run build to measure the bundled start` : 'dist/ is up to date: faultline runs the bundle');
    const ways = Object.keys(WAYS) as Way[];
    for (let n = 0; n < WARMUP; n++) for (const way of ways) start(way);
    const seen = Object.fromEntries(ways.map((w) => [w, { ms: [] as number[], rss: [] as number[] }])) as Record<Way, { ms: number[]; rss: number[] }>;
    for (let n = 0; n < starts; n++) {
      for (const way of ways) {
        const s = start(way);
        seen[way].ms.push(s.ms);
        seen[way].rss.push(s.rssMb);
      }
    }
    for (const way of ways) {
      const { ms, rss } = seen[way];
      console.log(`${way.padEnd(9)}  mean ${mean(ms).toFixed(1)} ms ± ${sd(ms).toFixed(1)}  median ${median(ms).toFixed(0)}  min ${Math.min(...ms).toFixed(0)}  max ${Math.max(...ms).toFixed(0)} ms  peak RSS median ${median(rss).toFixed(0)} MB  (${starts} starts after ${WARMUP} warm-up)`);
    }
    const fl = mean(seen.faultline.ms);
    const ok = stale === null && fl < GOAL_MS;
    console.log(`faultline ${ok ? 'meets' : 'MISSES'} the goal of < ${GOAL_MS} ms (mean); ${(fl - mean(seen.node.ms)).toFixed(0)} ms above Node's own start (${(fl / mean(seen.node.ms)).toFixed(2)}x its time); ${(mean(seen.tsx.ms) / fl).toFixed(1)}x faster than through tsx`);
    return ok;
  },
};
