// nginx deadlines: uwsgi_read_timeout 2 s in front of a uWSGI with harakiri 6 s. Requests silent for
// longer than 2 s must get 504 after about 2 s (the worker goes on until harakiri ends it), a
// stream whose chunks come 0.5 s apart must pass although it takes longer than 2 s in all, a header
// that overflows uWSGI's buffer-size (4096) must get 502 at once, and the client's own timeout must
// never be what ends a request.
import { defineScenario } from '../harness/scenario/types.ts';
import { httpWorkload } from '../harness/workloads/http.ts';

export default defineScenario({
  name: 'uwsgi-timeouts',
  description: 'nginx uwsgi_read_timeout 2 s: 504 after about 2 s for silent upstreams, slow streams pass, no early 504',
  target: 'uwsgi-nginx',
  targets: ['uwsgi-nginx', 'uwsgi-lite'],
  mustFailOn: ['uwsgi-nginx:buffer-size=8192', 'uwsgi-lite:bug=no-buffer-limit'],
  targetOptions: { processes: 6, harakiri: 6, readTimeout: 2, connectTimeout: 2, sendTimeout: 5 },
  nodes: 2,
  timeLimit: 15,
  concurrency: 3,
  rate: 12,
  opTimeoutMs: 25_000,
  recover: 1,
  workload: httpWorkload,
  workloadOptions: {
    expectReadTimeout: 2,
    expectBufferSize: 4096,
    overMs: [3000, 7500],
    mix: { fast: 4, slow: 2, over: 2, stream: 1, body: 1, effect: 1, bigvars: 1 },
    checkers: ['timeout', 'delivery'],
  },
});
