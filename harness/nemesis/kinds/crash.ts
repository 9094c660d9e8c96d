// Crash faults: SIGKILL a node's process (a random one or the leader) and start it again at the end,
// which also checks that the system recovers from losing its in-memory state.
import type { FaultContext, FaultKind } from '../types.ts';
import { once, pickLeader, pickVictim } from './victims.ts';

const canCrash = (ctx: FaultContext) => Boolean(ctx.cluster.kill && ctx.cluster.restart);

async function crash(ctx: FaultContext, node: string, detail?: string) {
  await ctx.cluster.kill!(node);
  return { targets: [node], detail, end: once(() => ctx.cluster.restart!(node)) };
}

export const kill: FaultKind = {
  name: 'kill',
  description: 'SIGKILL a random node, restart it at the end',
  supported: canCrash,
  start: (ctx, pick) => crash(ctx, pickVictim(ctx, pick)),
};

export const killLeader: FaultKind = {
  name: 'kill-leader',
  description: 'SIGKILL the current leader (a random node if none is known), restart it at the end',
  supported: canCrash,
  async start(ctx, pick) {
    const { node, detail } = await pickLeader(ctx, pick);
    return crash(ctx, node, detail);
  },
};
