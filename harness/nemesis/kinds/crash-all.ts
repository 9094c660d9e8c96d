// Whole-cluster crash: SIGKILL every node at once (a power loss of the ensemble) and start them all
// again at the end. Single kills are masked by the surviving copies; only this shows whether what a
// quorum acknowledged was really on disk when it was acknowledged.
import type { FaultContext, FaultKind } from '../types.ts';
import { once } from './victims.ts';

export const killAll: FaultKind = {
  name: 'kill-all',
  description: 'SIGKILL every node at once, restart them all at the end',
  supported: (ctx: FaultContext) => Boolean(ctx.cluster.kill && ctx.cluster.restart),
  async start(ctx) {
    const nodes = [...ctx.cluster.nodes];
    await Promise.all(nodes.map((node) => ctx.cluster.kill!(node)));
    // restarted together: one node alone has no quorum, so none would serve before the others start
    return { targets: nodes, end: once(async () => { await Promise.all(nodes.map((node) => ctx.cluster.restart!(node))); }) };
  },
};
