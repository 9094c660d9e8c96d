// Pause faults: SIGSTOP a node's process (a random one or the leader) and SIGCONT it at the end — a
// node that is alive but silent, like a long GC pause or a stalled VM, which clients cannot tell
// from a crash while it lasts.
import type { FaultKind } from '../types.ts';
import { nodeFaultKinds } from './node-fault.ts';

const freeze = nodeFaultKinds({
  name: 'pause',
  act: 'SIGSTOP',
  undo: 'SIGCONT it',
  supported: (ctx) => Boolean(ctx.cluster.pause && ctx.cluster.resume),
  begin: (ctx, node) => ctx.cluster.pause!(node),
  end: (ctx, node) => ctx.cluster.resume!(node),
});

export const pause: FaultKind = freeze.random;
export const pauseLeader: FaultKind = freeze.leader;
