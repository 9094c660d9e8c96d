// Pause faults: SIGSTOP a node's process (a random one or the leader) and SIGCONT it at the end — a
// node that is alive but silent, like a long GC pause or a stalled VM, which clients cannot tell
// from a crash while it lasts.
import type { FaultContext, FaultKind } from '../types.ts';
import { once, pickLeader, pickVictim } from './victims.ts';

const canPause = (ctx: FaultContext) => Boolean(ctx.cluster.pause && ctx.cluster.resume);

async function freeze(ctx: FaultContext, node: string, detail?: string) {
  await ctx.cluster.pause!(node);
  return { targets: [node], detail, end: once(() => ctx.cluster.resume!(node)) };
}

export const pause: FaultKind = {
  name: 'pause',
  description: 'SIGSTOP a random node, SIGCONT it at the end',
  supported: canPause,
  start: (ctx, pick) => freeze(ctx, pickVictim(ctx, pick)),
};

export const pauseLeader: FaultKind = {
  name: 'pause-leader',
  description: 'SIGSTOP the current leader (a random node if none is known), SIGCONT it at the end',
  supported: canPause,
  async start(ctx, pick) {
    const { node, detail } = await pickLeader(ctx, pick);
    return freeze(ctx, node, detail);
  },
};
