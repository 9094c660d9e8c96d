// Clock faults, as Jepsen's clock nemesis and Chaos Mesh's TimeChaos: one node's wall clock (only
// what its own processes see — the host's `clock` capability, never the machine's clock) is
//   clock-skew    offset by ±1–20 s for the fault's duration (stepped there at the start, back at the end);
//   clock-jump    stepped by ±60 s at the start and back at the end, so every jump steps both ways;
//   clock-strobe  flipped between its offset and ±1–10 s away every 10 ms for the fault's duration.
// Each comes on a random node and on the current leader (`-leader`). Sizes and directions come from
// the schedule's pick, so a seed replays the same faults. A step moves CLOCK_REALTIME only, as a
// real NTP step does. Each fault says whether the target can feel it: a node whose decisions read no
// wall clock (`cluster.wallClockReads`, established by experiment in docs/CLOCKS.md) is hit, but
// nothing it decides changes — the fault-start detail says so, and so do the run's checkers.
import { HarnessError } from '../../errors.ts';
import type { HostClock } from '../../runtime/types.ts';
import type { ActiveFault, FaultContext, FaultKind } from '../types.ts';
import { once, pickLeader, pickVictim } from './victims.ts';

/** What a clock fault records in its fault-start event (reports draw each node's offset from it). */
export interface ClockFaultDetail {
  node: string;
  /** Offset before the fault; the fault's end returns to it. */
  fromMs: number;
  /** Offset during the fault (a strobe's one side). */
  offsetMs: number;
  /** A strobe's other side and period. */
  strobe?: { otherMs: number; periodMs: number };
  /** Whether anything the node decides reads the wall clock; `reads` says what. */
  felt: boolean;
  reads: readonly string[] | 'unknown';
  victim?: string;
}

export const STROBE_PERIOD_MS = 10;
export const JUMP_MS = 60_000;

/** A second draw from the schedule's pick, independent enough of the victim choice (which uses
 *  the pick's leading digits). */
export const subPick = (pick: number, k: number): number => (pick * 1_000_003 * (k + 1)) % 1;

/** ±[minMs, maxMs], sign and size from the pick, rounded to 10 ms. */
function signedSize(pick: number, minMs: number, maxMs: number): number {
  const size = minMs + subPick(pick, 1) * (maxMs - minMs);
  return (subPick(pick, 2) < 0.5 ? -1 : 1) * Math.round(size / 10) * 10;
}

const clockOf = (ctx: FaultContext, node: string): HostClock => {
  const clock = ctx.runtime.host(node).clock;
  if (!clock) throw new HarnessError(`${node} has no fake clock (the run did not ask the runtime for one)`);
  return clock;
};

const hasClocks = (ctx: FaultContext) => (ctx.victims ?? ctx.cluster.nodes).every((n) => ctx.runtime.hosts.some((h) => h.name === n && h.clock));

function feeling(ctx: FaultContext, node: string): Pick<ClockFaultDetail, 'felt' | 'reads'> {
  const reads = ctx.cluster.wallClockReads?.(node);
  return reads === undefined ? { felt: true, reads: 'unknown' } : { felt: reads.length > 0, reads };
}

interface ClockAct {
  name: string;
  description: string;
  /** Applies the fault to a clock now at `fromMs`; returns the detail and how to undo it. */
  apply(clock: HostClock, fromMs: number, pick: number): Promise<{ offsetMs: number; strobe?: ClockFaultDetail['strobe']; undo: () => Promise<void> }>;
}

function clockKinds(act: ClockAct): FaultKind[] {
  const hit = async (ctx: FaultContext, node: string, pick: number, victim?: string): Promise<ActiveFault> => {
    const clock = clockOf(ctx, node);
    const fromMs = clock.offsetMs;
    const applied = await act.apply(clock, fromMs, pick);
    const detail: ClockFaultDetail = { node, fromMs, offsetMs: applied.offsetMs, ...(applied.strobe ? { strobe: applied.strobe } : {}), ...feeling(ctx, node), ...(victim ? { victim } : {}) };
    if (!detail.felt) ctx.log(`nemesis: ${act.name} on ${node}: nothing ${ctx.cluster.target} decides on ${node} reads the wall clock (docs/CLOCKS.md): not felt`);
    return { targets: [node], detail, end: once(applied.undo) };
  };
  const base = { hostFeatures: { clock: true }, supported: hasClocks };
  return [
    { ...base, name: act.name, description: `${act.description} on a random node`, start: (ctx, pick) => hit(ctx, pickVictim(ctx, pick), pick) },
    {
      ...base, name: `${act.name}-leader`, description: `${act.description} on the current leader (a random node if none is known)`,
      async start(ctx, pick) {
        const { node, detail } = await pickLeader(ctx, pick);
        return hit(ctx, node, pick, detail);
      },
    },
  ];
}

const backTo = (clock: HostClock, fromMs: number) => () => clock.set(fromMs);

export const clockSkew = clockKinds({
  name: 'clock-skew',
  description: 'offset the wall clock by ±1–20 s for the fault\'s duration',
  async apply(clock, fromMs, pick) {
    const offsetMs = signedSize(pick, 1000, 20_000);
    await clock.set(offsetMs);
    return { offsetMs, undo: backTo(clock, fromMs) };
  },
});

export const clockJump = clockKinds({
  name: 'clock-jump',
  description: `step the wall clock ${JUMP_MS / 1000} s forward or back, and back again at the end`,
  async apply(clock, fromMs, pick) {
    const offsetMs = fromMs + (subPick(pick, 2) < 0.5 ? -JUMP_MS : JUMP_MS);
    await clock.set(offsetMs);
    return { offsetMs, undo: backTo(clock, fromMs) };
  },
});

export const clockStrobe = clockKinds({
  name: 'clock-strobe',
  description: `flip the wall clock between its offset and ±1–10 s away every ${STROBE_PERIOD_MS} ms`,
  async apply(clock, fromMs, pick) {
    const otherMs = fromMs + signedSize(pick, 1000, 10_000);
    const strobe = await clock.strobe(fromMs, otherMs, STROBE_PERIOD_MS);
    return {
      offsetMs: fromMs, strobe: { otherMs, periodMs: STROBE_PERIOD_MS },
      undo: async () => {
        await strobe.stop();
        await clock.set(fromMs);
      },
    };
  },
});

export const clockFaultKinds: FaultKind[] = [...clockSkew, ...clockJump, ...clockStrobe];
