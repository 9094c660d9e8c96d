// Link faults between nginx and uWSGI (and the clients): added latency, connections reset or cut
// short, a stalled link. nginx must still answer every request with a response or an explicit
// 502/504 within its deadlines, never leave the client hanging, and never run a POST twice. Runs on
// the local runtime, where every link goes through the proxy.
import { defineScenario } from '../harness/scenario/types.ts';
import { httpWorkload } from '../harness/workloads/http.ts';

export default defineScenario({
  name: 'uwsgi-links',
  description: 'uWSGI behind nginx (local runtime, proxied links) under slow-link, flaky-link and stall: every request answered or refused explicitly, effects at most once',
  target: 'uwsgi-nginx',
  targets: ['uwsgi-nginx', 'uwsgi-lite'],
  runtime: 'local',
  targetOptions: { processes: 3, readTimeout: 3, connectTimeout: 2, sendTimeout: 3 },
  nodes: 2,
  timeLimit: 20,
  concurrency: 4,
  rate: 15,
  opTimeoutMs: 25_000,
  recover: 2,
  workload: httpWorkload,
  workloadOptions: {
    slowMs: [200, 1200],
    mix: { fast: 5, slow: 2, body: 1, effect: 3 },
    checkers: ['delivery', 'timeout'],
  },
  nemesis: { faults: ['slow-link', 'flaky-link', 'stall'], interval: [1, 2], duration: [2, 4], quiet: 2 },
});
