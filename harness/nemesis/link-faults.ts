// Link faults: a node that is up but whose links are slow, flaky or hung — faults a partition or a
// crash does not produce (a leader whose followers lag, clients whose requests time out while the
// server is fine). They are toxics on the proxies of the runtime's links, so they exist only where
// links go through a proxy (the local runtime, `Network.linkFault`); on netns and docker `supported()`
// is false and the schedule runner skips them with a note in the log.
//
// The schedule's `pick` chooses the victim node (as for every kind) and, scaled past the victim
// choice, the strength of the fault, so a printed schedule replays the same latency or toxicity.
import type { LinkFault } from '../runtime/types.ts';
import type { ActiveFault, FaultContext, FaultKind } from './types.ts';
import { pickVictim } from './kinds/victims.ts';

/** A second uniform draw in [0,1) from `pick`: what is left after choosing one of n nodes. */
export const strength = (pick: number, nodes: number): number => (pick * nodes) % 1;

const hasLinkFaults = (ctx: FaultContext) => typeof ctx.runtime.network.linkFault === 'function' && ctx.cluster.nodes.length >= 1;

async function onLinksOf(ctx: FaultContext, node: string, fault: LinkFault): Promise<ActiveFault> {
  const active = await ctx.runtime.network.linkFault!({ touching: node }, fault);
  return { targets: [node], detail: { ...fault, links: active.links.length }, end: active.end };
}

/** slow-link: 50–450 ms latency (jitter a fifth of it) each way on every link to or from one node. */
export const slowLink: FaultKind = {
  name: 'slow-link',
  description: 'add latency (with jitter) to every link to or from one node, clients included',
  supported: hasLinkFaults,
  start(ctx, pick) {
    const node = pickVictim(ctx, pick);
    const latencyMs = 50 + Math.round(strength(pick, ctx.cluster.nodes.length) * 400);
    return onLinksOf(ctx, node, { type: 'latency', latencyMs, jitterMs: Math.round(latencyMs / 5) });
  },
};

/** flaky-link: on one node's links, a third to two thirds of new connections are reset (RST) as
 *  their first answer arrives, or — drawn from the same pick — cut after their first 64–1024 bytes. */
export const flakyLink: FaultKind = {
  name: 'flaky-link',
  description: 'reset or cut short a share of the connections to or from one node',
  supported: hasLinkFaults,
  start(ctx, pick) {
    const node = pickVictim(ctx, pick);
    const s = strength(pick, ctx.cluster.nodes.length);
    const toxicity = Math.round((1 / 3 + (s % 0.5) * (2 / 3)) * 100) / 100;
    const fault: LinkFault = s < 0.5 ? { type: 'reset', toxicity } : { type: 'limit', toxicity, bytes: 64 * 2 ** Math.floor((s - 0.5) * 10) };
    return onLinksOf(ctx, node, fault);
  },
};

/** stall: nothing passes on one node's links and nothing is closed — a hung NIC, not a dead host. */
export const stall: FaultKind = {
  name: 'stall',
  description: 'stall every link to or from one node (connections stay open, no data moves)',
  supported: hasLinkFaults,
  start(ctx, pick) {
    return onLinksOf(ctx, pickVictim(ctx, pick), { type: 'stall' });
  },
};

export const linkFaultKinds: FaultKind[] = [slowLink, flakyLink, stall];
