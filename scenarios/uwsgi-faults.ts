// The stack under faults: a worker SIGKILLed or SIGSTOPped, the master SIGKILLed and restarted, the
// nginx↔uWSGI link cut, the whole app host frozen. Every request must still end in a response or an
// explicit error from nginx (never the client's own timeout), POST side effects at most once and
// exactly once when answered 200, a killed worker must fail only its own request, and a dead master
// must mean 502 at once. Broken variant (a test runs it): `--target
// uwsgi-nginx:effect-twice=true` — an app that performs its side effect twice.
import { defineScenario } from '../harness/scenario/types.ts';
import { httpWorkload } from '../harness/workloads/http.ts';

export default defineScenario({
  name: 'uwsgi-faults',
  description: 'uWSGI behind nginx under worker kill/stop, master kill + restart, nginx↔app partition, app host pause: nothing lost, nothing doubled',
  target: 'uwsgi-nginx',
  targets: ['uwsgi-nginx', 'uwsgi-lite'],
  targetOptions: { processes: 3, readTimeout: 3, connectTimeout: 2, sendTimeout: 3 },
  nodes: 2,
  timeLimit: 25,
  concurrency: 4,
  rate: 15,
  opTimeoutMs: 25_000,
  recover: 2,
  workload: httpWorkload,
  workloadOptions: {
    slowMs: [300, 1500],
    mix: { fast: 5, slow: 2, body: 1, effect: 3 },
    checkers: ['delivery', 'timeout', 'worker-crash'],
  },
  nemesis: { faults: ['worker-kill', 'worker-stop', 'master-kill', 'app-partition', 'app-pause'], interval: [1, 2], duration: [2, 3], quiet: 2 },
});
