// The nemesis's fault windows, read once from a history for checkers and reports alike: each
// `fault-start` event paired with the `fault-end` of the same id; a fault never healed lasts to the
// end of the history and is marked open.
import { NEMESIS, type FaultValue, type Op } from './op.ts';

/** A nemesis fault from its `fault-start` to its `fault-end` (or to the end of the history). */
export interface FaultWindow {
  id: string;
  fault: string;
  targets: string[];
  /** The fault-start event's detail, as recorded (victim pid, grudge, signal, ...). */
  detail?: unknown;
  start: number;
  /** When the fault ended; the time of the history's last record when it never did. */
  end: number;
  /** True when the history ended before the fault was healed. */
  open: boolean;
  /** Index of the fault-start record. */
  startIndex: number;
}

const isFaultRecord = (op: Op) => op.process === NEMESIS && op.type === 'event' && (op.f === 'fault-start' || op.f === 'fault-end');

/** What a fault event says, read defensively: imported histories may carry any value. */
function faultValue(op: Op): { id: string; fault: string; targets: string[]; detail?: unknown } {
  const v: Partial<FaultValue> = typeof op.value === 'object' && op.value !== null ? op.value : {};
  const targets = Array.isArray(v.targets) ? v.targets.map(String) : [];
  return { id: String(v.id ?? v.fault ?? op.index), fault: String(v.fault ?? 'fault'), targets, ...(v.detail !== undefined ? { detail: v.detail } : {}) };
}

/** Fault windows in start order. A fault-end without an open start of its id is ignored. */
export function faultWindows(history: readonly Op[]): FaultWindow[] {
  const open = new Map<string, FaultWindow>();
  const windows: FaultWindow[] = [];
  const lastTime = history.length ? history[history.length - 1].time : 0;
  for (const op of history) {
    if (!isFaultRecord(op)) continue;
    const { id, ...v } = faultValue(op);
    if (op.f === 'fault-start') {
      const w: FaultWindow = { id, ...v, start: op.time, end: Math.max(lastTime, op.time), open: true, startIndex: op.index };
      open.set(id, w);
      windows.push(w);
      continue;
    }
    const w = open.get(id);
    if (!w) continue;
    open.delete(id);
    w.end = op.time;
    w.open = false;
  }
  return windows.sort((a, b) => a.start - b.start);
}
