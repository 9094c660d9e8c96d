// Crash faults: SIGKILL a node's process (a random one or the leader) and start it again at the end,
// which also checks that the system recovers from losing its in-memory state.
import type { FaultKind } from '../types.ts';
import { nodeFaultKinds } from './node-fault.ts';

const crash = nodeFaultKinds({
  name: 'kill',
  act: 'SIGKILL',
  undo: 'restart it',
  supported: (ctx) => Boolean(ctx.cluster.kill && ctx.cluster.restart),
  begin: (ctx, node) => ctx.cluster.kill!(node),
  end: (ctx, node) => ctx.cluster.restart!(node),
});

export const kill: FaultKind = crash.random;
export const killLeader: FaultKind = crash.leader;
