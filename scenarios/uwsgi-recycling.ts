// Worker recycling: max-requests 10 with min-worker-lifetime 1 s (uWSGI's default of 10 s would hide
// recycling in a short run). Each worker pid must serve at most 10 requests, and no request may be
// cut in flight or refused while a worker respawns. Broken variant (a test runs it):
// `--target uwsgi-nginx:max-requests=30` — the stack recycles later than the scenario expects.
import { defineScenario } from '../harness/scenario/types.ts';
import { httpWorkload } from '../harness/workloads/http.ts';

export default defineScenario({
  name: 'uwsgi-recycling',
  description: 'uWSGI max-requests 10 behind nginx: each worker pid serves at most 10 requests, none cut or refused during respawn',
  target: 'uwsgi-nginx',
  targets: ['uwsgi-nginx', 'uwsgi-lite'],
  mustFailOn: ['uwsgi-nginx:max-requests=30', 'uwsgi-nginx:effect-twice=true', 'uwsgi-lite:bug=recycle-cuts', 'uwsgi-lite:bug=double-effect'],
  targetOptions: { processes: 2, maxRequests: 10, minWorkerLifetime: 1, readTimeout: 10, connectTimeout: 2, sendTimeout: 5 },
  nodes: 2,
  timeLimit: 15,
  concurrency: 3,
  rate: 10,
  opTimeoutMs: 25_000,
  recover: 1,
  workload: httpWorkload,
  workloadOptions: {
    expectMaxRequests: 10,
    slowMs: [200, 600],
    mix: { fast: 6, slow: 2, body: 1, effect: 2 },
    checkers: ['recycling', 'timeout', 'delivery'],
  },
});
