// The check a procedure's "linearizable" answer must pass before it is believed: the order it gives
// contains every op with a known outcome exactly once (ops with unknown outcome at most once),
// respects real time (no op placed before one that completed before it was invoked), and replays
// with the model's semantics. A failed certificate means a bug in the procedure; the caller then
// falls back to the search instead of trusting it.
import type { CheckOp } from '../prepared.ts';
import type { DecisionProcedure } from './procedure.ts';

export function certified(procedure: DecisionProcedure, ops: readonly CheckOp[], order: readonly number[]): boolean {
  return complete(ops, order) && realTimeOrdered(ops, order) && procedure.replay(ops, order);
}

function complete(ops: readonly CheckOp[], order: readonly number[]): boolean {
  const seen = new Uint8Array(ops.length);
  for (const id of order) {
    if (!(id >= 0 && id < ops.length) || seen[id]) return false;
    seen[id] = 1;
  }
  return ops.every((op, id) => seen[id] === 1 || op.ret === Infinity);
}

/** No op later in the order completed before an earlier one was invoked. */
function realTimeOrdered(ops: readonly CheckOp[], order: readonly number[]): boolean {
  let earliestLaterReturn = Infinity;
  for (let i = order.length - 1; i >= 0; i--) {
    const op = ops[order[i]];
    if (earliestLaterReturn < op.call) return false;
    if (op.ret < earliestLaterReturn) earliestLaterReturn = op.ret;
  }
  return true;
}
