// Harakiri: requests shorter than H, near it and well past it through nginx → uWSGI. Every request
// past H must end in a 502 within [H, H+~2 s] of its worker starting it, no shorter one may be
// killed, and each killed worker must be replaced. Broken variant (a test runs it):
// `--target uwsgi-nginx:harakiri=0` — the stack without harakiri while the scenario expects 2 s.
import { defineScenario } from '../harness/scenario/types.ts';
import { httpWorkload } from '../harness/workloads/http.ts';

export default defineScenario({
  name: 'uwsgi-harakiri',
  description: 'uWSGI harakiri 2 s behind nginx: long requests killed with 502 inside the promised window, short ones never',
  target: 'uwsgi-nginx',
  targets: ['uwsgi-nginx', 'uwsgi-lite'],
  mustFailOn: ['uwsgi-nginx:harakiri=0', 'uwsgi-lite:bug=harakiri-late'],
  targetOptions: { processes: 4, harakiri: 2, readTimeout: 10, connectTimeout: 2, sendTimeout: 5 },
  nodes: 2,
  timeLimit: 15,
  concurrency: 4,
  rate: 20,
  opTimeoutMs: 25_000,
  recover: 1,
  workload: httpWorkload,
  workloadOptions: {
    expectHarakiri: 2,
    mix: { fast: 5, slow: 2, over: 2, body: 1, effect: 2 },
    checkers: ['harakiri', 'timeout', 'delivery'],
  },
});
