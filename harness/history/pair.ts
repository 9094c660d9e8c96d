// Pairs each invoke with its completion, the shape every checker works on. Jepsen semantics: an
// `info` completion leaves the outcome unknown (the op may take effect at any time after its invoke,
// or never), and an invoke with no completion by the end of the history counts as `info` too.
import { UsageError } from '../errors.ts';
import type { Op, PairedOp } from './op.ts';
import { isClientOp } from './op.ts';

/** Says where a history record came from, for error messages ("history.edn:12"). */
export type Locate = (position: number) => string;

const defaultLocate = (history: readonly Op[]): Locate => (position) => `op index ${history[position]?.index ?? position}`;

/** Returns the client ops of a history paired invoke→completion, in invoke order. Nemesis and session
 *  events are skipped. An unmatched completion, or an invoke on a process that still has one open,
 *  is a UsageError naming where it is. */
export function pairOps(history: readonly Op[], locate: Locate = defaultLocate(history)): PairedOp[] {
  const open = new Map<number | string, { op: PairedOp; position: number }>();
  const paired: PairedOp[] = [];
  history.forEach((op, position) => {
    if (!isClientOp(op)) return;
    const pending = open.get(op.process);
    if (op.type === 'invoke') {
      if (pending) throw new UsageError(`${locate(position)}: process ${op.process} invokes ${op.f} while its ${pending.op.f} from ${locate(pending.position)} has not completed`);
      const entry = invokeOf(op);
      open.set(op.process, { op: entry, position });
      paired.push(entry);
      return;
    }
    if (!pending) throw new UsageError(`${locate(position)}: ${op.type} completion of ${op.f} by process ${op.process} has no matching invoke`);
    if (pending.op.f !== op.f) throw new UsageError(`${locate(position)}: completion ${op.f} by process ${op.process} does not match its invoke ${pending.op.f} at ${locate(pending.position)}`);
    complete(pending.op, op);
    open.delete(op.process);
  });
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

function complete(paired: PairedOp, op: Op): void {
  paired.type = op.type as PairedOp['type'];
  paired.completeIndex = op.index;
  paired.end = op.type === 'info' ? Infinity : op.time;
  paired.value = op.type === 'info' ? null : op.value;
  if (op.error !== undefined) paired.error = op.error;
  if (op.meta !== undefined) paired.meta = { ...paired.meta, ...op.meta };
  if (op.key !== undefined && paired.key === undefined) paired.key = op.key;
}
