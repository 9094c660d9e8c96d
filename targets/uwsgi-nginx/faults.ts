// The faults DESIGN.md promises the uWSGI/nginx stack survives: one worker SIGKILLed (only its request
// fails, the master respawns it) or SIGSTOPped, the master SIGKILLed (nginx answers 502 until the
// stack is restarted at the fault's end), the nginx↔app link cut, the whole app host frozen. Both
// stack targets (uwsgi-nginx, uwsgi-lite) offer these kinds to the nemesis (Target.faultKinds); each
// end is idempotent.
import type { ActiveFault, FaultContext, FaultKind } from '../../harness/nemesis/types.ts';
import { once } from '../../harness/nemesis/kinds/victims.ts';
import { isWorkerControl, withCapability, type WorkerControl } from '../../harness/target.ts';

/** Any uWSGI-like stack (uwsgi-nginx, uwsgi-lite): one that can list and signal its workers. */
const isStack = (ctx: FaultContext) => isWorkerControl(ctx.cluster);
const stack = (ctx: FaultContext): WorkerControl => withCapability(ctx, isWorkerControl, 'worker faults need a prefork app server').cluster;

export const workerKill: FaultKind = {
  name: 'worker-kill',
  description: 'SIGKILL one uWSGI worker; the master respawns it',
  supported: isStack,
  async start(ctx, pick): Promise<ActiveFault> {
    const pid = await stack(ctx).killWorker(pick);
    return { targets: ['app'], detail: { pid, signal: 'SIGKILL' }, end: async () => {} };
  },
};

export const workerStop: FaultKind = {
  name: 'worker-stop',
  description: 'SIGSTOP one uWSGI worker for the fault duration, then SIGCONT',
  supported: isStack,
  async start(ctx, pick): Promise<ActiveFault> {
    const pid = await stack(ctx).stopWorker(pick);
    return { targets: ['app'], detail: { pid, signal: 'SIGSTOP' }, end: once(() => stack(ctx).resumeWorker(pid)) };
  },
};

export const masterKill: FaultKind = {
  name: 'master-kill',
  description: 'SIGKILL the uWSGI master (its workers exit too); restart the stack at the end',
  supported: (ctx) => isStack(ctx) && !!ctx.cluster.kill && !!ctx.cluster.restart,
  async start(ctx): Promise<ActiveFault> {
    await ctx.cluster.kill!('app');
    return { targets: ['app'], detail: { signal: 'SIGKILL', restart: 'at end' }, end: once(() => ctx.cluster.restart!('app')) };
  },
};

export const appPartition: FaultKind = {
  name: 'app-partition',
  description: 'cut the link between nginx and the uWSGI host (both directions)',
  supported: isStack,
  async start(ctx): Promise<ActiveFault> {
    await ctx.runtime.network.partition({ nginx: ['app'], app: ['nginx'] });
    return { targets: ['nginx', 'app'], detail: { grudge: { nginx: ['app'], app: ['nginx'] } }, end: once(() => ctx.runtime.network.heal()) };
  },
};

export const appPause: FaultKind = {
  name: 'app-pause',
  description: 'SIGSTOP the uWSGI master and every worker (the app host freezes), then SIGCONT',
  supported: (ctx) => isStack(ctx) && !!ctx.cluster.pause && !!ctx.cluster.resume,
  async start(ctx): Promise<ActiveFault> {
    await ctx.cluster.pause!('app');
    return { targets: ['app'], detail: { signal: 'SIGSTOP' }, end: once(() => ctx.cluster.resume!('app')) };
  },
};

/** Every fault kind of the stack targets, offered to the nemesis through Target.faultKinds. */
export const uwsgiFaults: FaultKind[] = [workerKill, workerStop, masterKill, appPartition, appPause];
