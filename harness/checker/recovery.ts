// Availability around faults, measured from the history: for every fault, how long after it started
// the first write was acknowledged (e.g. leader isolation → new leader → first ok write), and how
// many ops succeeded during and after it. The check itself is what a majority-quorum system
// promises once the network is whole again: some operation succeeds after the last fault ended.
import type { Op } from '../history/op.ts';
import { faultWindows } from '../history/faults.ts';
import { pairOps } from '../history/pair.ts';
import type { CheckResult, Checker } from './result.ts';

export interface FaultRecovery {
  fault: string;
  id: string;
  targets: string[];
  start: number;
  end: number | null;
  /** ms from the fault's start to the first ok write invoked after it; null if none came. */
  firstOkWriteMs: number | null;
  okDuring: number;
  okAfter: number;
}

/** `writes`: the op names that go through the quorum (write, cas by default). */
export function measureRecovery(history: readonly Op[], writes: readonly string[] = ['write', 'cas']): { faults: FaultRecovery[]; okAfterLastFault: number; lastFaultEnd: number | null } {
  const ok = pairOps(history).filter((o) => o.type === 'ok');
  const spans = faultWindows(history).map((w) => ({ ...w, end: w.open ? null : w.end }));
  const faults = spans.map((s, i): FaultRecovery => {
    const end = s.end ?? Infinity;
    const next = spans[i + 1]?.start ?? Infinity;
    const firstWrite = ok.filter((o) => writes.includes(o.f) && o.start >= s.start).sort((a, b) => a.end - b.end)[0];
    return {
      fault: s.fault, id: s.id, targets: s.targets, start: round(s.start), end: s.end === null ? null : round(s.end),
      firstOkWriteMs: firstWrite ? round(firstWrite.end - s.start) : null,
      okDuring: ok.filter((o) => o.end >= s.start && o.end <= end).length,
      okAfter: ok.filter((o) => o.end > end && o.end < next).length,
    };
  });
  const lastFaultEnd = spans.length ? Math.max(...spans.map((s) => s.end ?? Infinity)) : null;
  const okAfterLastFault = ok.filter((o) => o.start >= (lastFaultEnd ?? -Infinity)).length;
  return { faults, okAfterLastFault, lastFaultEnd: lastFaultEnd === null ? null : round(lastFaultEnd) };
}

const round = (ms: number) => Math.round(ms);

export function checkRecovery(history: readonly Op[], writes?: readonly string[]): CheckResult {
  const m = measureRecovery(history, writes);
  const timed = m.faults.filter((f) => f.firstOkWriteMs !== null).map((f) => `${f.fault} ${(f.firstOkWriteMs! / 1000).toFixed(1)} s`);
  const recovery = timed.length ? `; first ok write after each fault: ${timed.join(', ')}` : '';
  const waits = m.faults.map((f) => f.firstOkWriteMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const metrics: Record<string, number> = waits.length ? { firstOkWriteMsMax: waits.at(-1)!, firstOkWriteMsMedian: waits[Math.floor(waits.length / 2)] } : {};
  if (m.okAfterLastFault === 0) {
    const since = m.lastFaultEnd === null ? 'at all' : 'after the last fault ended';
    return { checker: 'recovery', valid: false, summary: `no operation succeeded ${since}: the system did not recover${recovery}`, details: m, metrics };
  }
  return { checker: 'recovery', valid: true, summary: `recovered: ${m.okAfterLastFault} ok ops after ${m.faults.length ? 'the last fault ended' : 'start'}${recovery}`, details: m, metrics };
}

export const recoveryChecker: Checker = { name: 'recovery', check: (history) => checkRecovery(history) };
