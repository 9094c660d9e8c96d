// Benchmark of the uwsgi-nginx stack as the harness sees it: requests/s through nginx → uWSGI with a
// bare node:http client, then the same requests through the harness's own path (seeded generator,
// per-op deadline, HTTP workload client, history recorder writing JSONL), and what that path adds to
// each request: the history's invoke→completion time minus the client's own measured exchange.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanup } from '../harness/cleanup.ts';
import { HistoryRecorder } from '../harness/history/recorder.ts';
import { pairOps } from '../harness/history/pair.ts';
import { Rng } from '../harness/rng.ts';
import local from '../harness/runtime/local/index.ts';
import { runWorkers } from '../harness/scenario/workers.ts';
import { defineScenario } from '../harness/scenario/types.ts';
import { exchange, httpWorkload } from '../harness/workloads/http.ts';
import target, { type UwsgiCluster } from '../targets/uwsgi-nginx/index.ts';

const CONCURRENCY = 8;
const RAW_REQUESTS = 2000;
const HARNESS_SECONDS = 5;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** Bare client: RAW_REQUESTS fast GETs, CONCURRENCY at a time, one connection each. */
async function raw(stack: UwsgiCluster): Promise<{ perSec: number; p50: number; p99: number }> {
  let next = 0;
  const times: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < RAW_REQUESTS) {
      const rid = `bench-${next++}`;
      const s = performance.now();
      const r = await exchange(stack.endpoint, { rid, method: 'GET', path: '/sleep?ms=0' }, 10_000);
      if (r.status !== 200) throw new Error(`bench request ${rid} got ${r.status ?? r.error}`);
      times.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return { perSec: RAW_REQUESTS / secs, p50: pct(times, 0.5), p99: pct(times, 0.99) };
}

/** The harness path for HARNESS_SECONDS; overhead = history latency − the client's own exchange time. */
async function harness(stack: UwsgiCluster, dir: string): Promise<{ perSec: number; overheadMs: number; overheadP99: number }> {
  const options = { mix: { fast: 1 }, fastMs: [0, 0], checkers: [] };
  const scenario = defineScenario({ name: 'bench-http', description: 'bench', target: 'uwsgi-nginx', timeLimit: HARNESS_SECONDS, concurrency: CONCURRENCY, workload: httpWorkload });
  const recorder = await HistoryRecorder.open(path.join(dir, 'history.jsonl'));
  try {
    const stats = await runWorkers({
      scenario, workload: httpWorkload(options), cluster: stack, runId: 'bench', options, recorder, rng: new Rng(1),
      timeLimitMs: HARNESS_SECONDS * 1000, opTimeoutMs: 10_000, log: () => {}, beforeFinal: async () => {},
    });
    const extra = pairOps(recorder.ops).filter((p) => p.f === 'fast' && p.type === 'ok')
      .map((p) => p.end - p.start - Number((p.meta as { ms?: number }).ms)).sort((a, b) => a - b);
    return { perSec: stats.opsPerSec, overheadMs: extra.reduce((s, x) => s + x, 0) / extra.length, overheadP99: pct(extra, 0.99) };
  } finally {
    await recorder.close();
  }
}

export async function bench(): Promise<void> {
  const cleanup = new Cleanup();
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-bench-http-'));
  try {
    const runtime = await local.create({ hosts: ['nginx', 'app'], logDir: dir, cleanup, log: () => {} });
    const stack = await target.start({ runtime, hosts: runtime.hosts, options: { processes: 2 }, cleanup, log: () => {}, startTimeoutMs: 30_000 });
    const bare = await raw(stack);
    const through = await harness(stack, dir);
    console.log(`uwsgi-nginx (local runtime, 2 workers, ${CONCURRENCY} concurrent clients, one connection per request), stack started in ${stack.metrics.startMs} ms`);
    console.table([
      { measure: 'requests/s, bare node:http client', value: bare.perSec.toFixed(0), note: `latency p50 ${bare.p50.toFixed(1)} ms, p99 ${bare.p99.toFixed(1)} ms (${RAW_REQUESTS} requests)` },
      { measure: 'requests/s through the harness', value: through.perSec.toFixed(0), note: `${HARNESS_SECONDS} s of the http workload, history recorded` },
      { measure: 'harness overhead per request', value: `${(through.overheadMs * 1000).toFixed(0)} µs`, note: `mean of history latency − client exchange time; p99 ${(through.overheadP99 * 1000).toFixed(0)} µs` },
    ]);
  } finally {
    await cleanup.runAll();
    rmSync(dir, { recursive: true, force: true });
  }
}
