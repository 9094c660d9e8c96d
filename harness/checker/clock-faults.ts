// Whether the run's clock faults could be felt at all (pure, from the nemesis records). A clock
// fault reaches every process of its node, but a node whose decisions read no wall clock (ZooKeeper
// times everything with System.nanoTime) lets it pass unnoticed: a run whose every clock fault was
// of that kind says so here instead of passing silently, and a run that applied no clock fault at
// all cannot tell anything about clocks (unknown). Its details carry each node's offset over time
// (`clockOffsets`), which reports draw as a step chart.
import type { Op } from '../history/op.ts';
import { faultWindows } from '../history/faults.ts';
import type { Checker, CheckResult } from './result.ts';

interface ClockDetail { node?: string; fromMs?: number; offsetMs?: number; strobe?: { otherMs: number; periodMs: number }; felt?: boolean; reads?: string[] | 'unknown' }

/** One step of one node's offset: from `time` on, the node's clock is offsetMs (or strobes to otherMs). */
export interface OffsetStep { node: string; time: number; offsetMs: number; strobeToMs?: number }

const isClockFault = (fault: string) => fault.startsWith('clock-');

/** Each node's clock offset over the run, as steps (every node starts at 0), from the clock faults'
 *  windows (history/faults.ts): a step at each start, and one back at each end that was recorded. */
export function clockTimeline(history: readonly Op[]): OffsetStep[] {
  const steps: OffsetStep[] = [];
  for (const w of faultWindows(history)) {
    if (!isClockFault(w.fault)) continue;
    const d = (w.detail ?? {}) as ClockDetail;
    if (d.node === undefined || d.offsetMs === undefined) continue;
    steps.push({ node: d.node, time: w.start, offsetMs: d.offsetMs, ...(d.strobe ? { strobeToMs: d.strobe.otherMs } : {}) });
    if (!w.open) steps.push({ node: d.node, time: w.end, offsetMs: d.fromMs ?? 0 });
  }
  return steps.sort((a, b) => a.time - b.time);
}

export function checkClockFaults(history: readonly Op[]): CheckResult {
  const rows = faultWindows(history).filter((w) => isClockFault(w.fault)).map((w) => {
    const d = (w.detail ?? {}) as ClockDetail;
    return { fault: w.fault, node: d.node ?? w.targets[0] ?? '?', time: Math.round(w.start), offsetMs: d.offsetMs, strobeToMs: d.strobe?.otherMs, felt: d.felt !== false, reads: d.reads ?? 'unknown' };
  });
  const details = { faults: rows, clockOffsets: clockTimeline(history) };
  if (rows.length === 0) return { checker: 'clock-faults', valid: 'unknown', summary: 'no clock fault was applied in this run, so it tells nothing about clocks', details };
  const felt = rows.filter((r) => r.felt);
  const unfelt = rows.filter((r) => !r.felt);
  const metrics = { applied: rows.length, felt: felt.length, notFelt: unfelt.length };
  const unfeltNodes = [...new Set(unfelt.map((r) => r.node))].join(', ');
  if (felt.length === 0) return { checker: 'clock-faults', valid: true, summary: `${rows.length} clock faults applied, none felt: nothing the target decides on ${unfeltNodes} reads the wall clock (docs/CLOCKS.md), so its checks held without a clock to test`, details, metrics };
  const reads = [...new Set(felt.flatMap((r) => (Array.isArray(r.reads) ? r.reads : ['unknown'])))].join(', ');
  return { checker: 'clock-faults', valid: true, summary: `${rows.length} clock faults applied, ${felt.length} felt (wall clock read by: ${reads})${unfelt.length ? `, ${unfelt.length} not felt on ${unfeltNodes}` : ''}`, details, metrics };
}

export const clockFaultsChecker: Checker = { name: 'clock-faults', check: (history) => checkClockFaults(history) };
