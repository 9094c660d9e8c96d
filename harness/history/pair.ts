// Pairs each invoke with its completion, the shape every checker and every report works on. Jepsen
// semantics: an `info` completion leaves the outcome unknown (the op may take effect at any time
// after its invoke, or never), and an invoke with no completion by the end of the history counts as
// `info` too.
//
// Two modes over one walk. Strict (checkers): a malformed history is a UsageError naming where, and
// an info op ends at Infinity (it may take effect at any later time). Lenient (reports): never
// throws — a report must draw a broken or cut-short history too — skips completions without an
// invoke, and keeps a finite end for every bar: the time the info completion was recorded, the next
// invoke of the same process, or the history's last time.
import { UsageError } from '../errors.ts';
import type { Op, PairedOp } from './op.ts';
import { isClientOp } from './op.ts';

/** Says where a history record came from, for error messages ("history.edn:12"). */
export type Locate = (position: number) => string;

export interface PairOptions {
  /** Never throw; finite ends for info and unfinished ops (see above). */
  lenient?: boolean;
  /** Where a record came from, for strict mode's errors (default: its op index). */
  locate?: Locate;
}

const defaultLocate = (history: readonly Op[]): Locate => (position) => `op index ${history[position]?.index ?? position}`;

/** The client ops of a history paired invoke→completion, in invoke order; nemesis and session events
 *  are skipped. `locate` (or options) as described above. */
export function pairOps(history: readonly Op[], how: Locate | PairOptions = {}): PairedOp[] {
  const { lenient = false, locate = defaultLocate(history) } = typeof how === 'function' ? { locate: how } : how;
  const open = new Map<number | string, { op: PairedOp; position: number }>();
  const paired: PairedOp[] = [];
  history.forEach((op, position) => {
    if (!isClientOp(op)) return;
    const pending = open.get(op.process);
    if (op.type === 'invoke') {
      if (pending && !lenient) throw new UsageError(`${locate(position)}: process ${op.process} invokes ${op.f} while its ${pending.op.f} from ${locate(pending.position)} has not completed`);
      if (pending) cutShort(pending.op, op.time, 'its process invoked again before it completed');
      const entry = invokeOf(op);
      open.set(op.process, { op: entry, position });
      paired.push(entry);
      return;
    }
    if (!pending) {
      if (lenient) return;
      throw new UsageError(`${locate(position)}: ${op.type} completion of ${op.f} by process ${op.process} has no matching invoke`);
    }
    if (pending.op.f !== op.f && !lenient) throw new UsageError(`${locate(position)}: completion ${op.f} by process ${op.process} does not match its invoke ${pending.op.f} at ${locate(pending.position)}`);
    complete(pending.op, op, lenient);
    open.delete(op.process);
  });
  if (lenient) {
    const lastTime = history.length ? history[history.length - 1].time : 0;
    for (const { op } of open.values()) cutShort(op, lastTime, 'history ended before this op completed');
  }
  return paired;
}

function invokeOf(op: Op): PairedOp {
  const paired: PairedOp = {
    process: op.process, f: op.f, invokeValue: op.value, value: null, type: 'info',
    invokeIndex: op.index, completeIndex: -1, start: op.time, end: Infinity,
  };
  if (op.key !== undefined) paired.key = op.key;
  if (op.meta !== undefined) paired.meta = op.meta;
  return paired;
}

function complete(paired: PairedOp, op: Op, lenient: boolean): void {
  paired.type = op.type as PairedOp['type'];
  paired.completeIndex = op.index;
  paired.end = op.type === 'info' && !lenient ? Infinity : op.time;
  paired.value = op.type === 'info' ? null : op.value;
  if (op.error !== undefined) paired.error = op.error;
  if (op.meta !== undefined) paired.meta = { ...paired.meta, ...op.meta };
  if (op.key !== undefined && paired.key === undefined) paired.key = op.key;
}

/** Lenient mode: an op that never completed stays info, drawn up to `time`. */
function cutShort(paired: PairedOp, time: number, why: string): void {
  paired.end = Math.max(time, paired.start);
  paired.error = why;
}
