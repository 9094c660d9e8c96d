// Harakiri under steps of the app host's wall clock: each `clock-jump` on the app host steps its
// clock 60 s forward or back and back again, while requests shorter than H (2 s), near it and well
// past it go through nginx. The `harakiri-clock` checker reports both effects — short requests in
// flight at a forward step killed, long requests outliving H + slack after a backward step — and
// judges them by what the stack's harakiri reads: uWSGI's default clock source ('unix') compares
// wall-clock deadlines, so there they are that configuration's measured hazards (docs/CLOCKS.md);
// `--target uwsgi-nginx:clock=monotonic` must show neither. Broken variant (a test runs it):
// `--target uwsgi-lite:bug=harakiri-wall-clock` — a master that claims a monotonic harakiri but
// measures requests with Date.now (a campaign runs it as must-fail).
import { clockFaultsChecker } from '../harness/checker/clock-faults.ts';
import { harakiriClockChecker } from '../harness/checker/http/harakiri-clock.ts';
import { z } from 'zod';
import { defineWorkload, type Workload } from '../harness/generator/types.ts';
import { defineScenario } from '../harness/scenario/types.ts';
import type { Cluster } from '../harness/target.ts';
import { HttpOptionsSchema, httpWorkload } from '../harness/workloads/http.ts';

/** The HTTP workload, also judged by harakiri-clock (on the host `clockNode`, default app). */
const clockedHttp = defineWorkload(HttpOptionsSchema.extend({ clockNode: z.string().min(1).optional() }), (options): Workload<Cluster> => {
  const base = httpWorkload(options);
  return { ...base, checkers: [...base.checkers, harakiriClockChecker, clockFaultsChecker] };
});

export default defineScenario({
  name: 'uwsgi-harakiri-clock',
  description: 'uWSGI harakiri 2 s while the app host\'s wall clock steps 60 s forward and back: short requests killed at a forward step, long ones outliving H + slack after a backward step, judged by what harakiri reads',
  target: 'uwsgi-nginx',
  targets: ['uwsgi-nginx', 'uwsgi-lite'],
  mustFailOn: ['uwsgi-lite:bug=harakiri-wall-clock'],
  targetOptions: { processes: 4, harakiri: 2, readTimeout: 10, connectTimeout: 2, sendTimeout: 5 },
  nodes: 2,
  timeLimit: 20,
  concurrency: 4,
  rate: 20,
  opTimeoutMs: 25_000,
  recover: 1,
  workload: clockedHttp,
  workloadOptions: {
    expectHarakiri: 2,
    mix: { fast: 3, slow: 4, over: 2, effect: 1 },
    // the app's journal stamps requests with its own (stepped) wall clock: the plain harakiri
    // checker's kill windows would read it, so this scenario judges harakiri by client times only
    checkers: ['delivery'],
  },
  nemesis: { faults: ['clock-jump'], on: ['app'], interval: [2, 3], duration: [3, 5], quiet: 2 },
});
