// The bridge between a history and the search: paired ops validated by the model and turned into
// SearchOps, with `fail` ops dropped (they never took effect) and unknown-outcome reads dropped (they
// can neither take effect nor constrain anything).
import { UsageError } from '../errors.ts';
import type { Op, PairedOp } from '../history/op.ts';
import type { Locate } from '../history/pair.ts';
import { pairOps } from '../history/pair.ts';
import type { Model } from './models/model.ts';
import { UNKNOWN } from './models/model.ts';
import type { SearchOp } from './search.ts';

/** One op ready for the search, remembering the paired op it came from. */
export interface CheckOp extends SearchOp {
  op: PairedOp;
  readOnly: boolean;
  /** Set when a counterexample shows this op's completion with a value other than the recorded one
   *  (a set read projected onto the counterexample's values). */
  shown?: unknown;
}

export interface PreparedHistory {
  /** Client operations in the history (invokes). */
  total: number;
  /** Independent sub-histories: key → ops in invoke order (one entry '' without partitioning). */
  partitions: Map<string, CheckOp[]>;
}

export function prepareHistory(model: Model, history: readonly Op[], locate?: Locate): PreparedHistory {
  const paired = pairOps(history, locate);
  const partitions = new Map<string, CheckOp[]>();
  for (const op of paired) {
    if (op.type === 'fail') continue;
    const item = toCheckOp(model, op, history, locate);
    if (item.ret === Infinity && item.readOnly) continue;
    const key = model.partitionKey ? model.partitionKey(op) : '';
    let list = partitions.get(key);
    if (!list) partitions.set(key, (list = []));
    list.push(item);
  }
  return { total: paired.length, partitions };
}

function toCheckOp(model: Model, op: PairedOp, history: readonly Op[], locate?: Locate): CheckOp {
  let prepared: { input: unknown; output: unknown };
  try {
    prepared = model.prepare(op);
  } catch (err) {
    const position = history.findIndex((h) => h.index === op.invokeIndex);
    const where = locate ? locate(position) : `op index ${op.invokeIndex}`;
    throw new UsageError(`${where}: ${(err as Error).message}`);
  }
  const known = op.type === 'ok';
  return {
    call: op.invokeIndex,
    ret: known ? op.completeIndex : Infinity,
    input: prepared.input,
    output: known ? prepared.output : UNKNOWN,
    op,
    readOnly: model.readOnly(prepared.input),
  };
}

/** The same op with its outcome made unknown: it may take effect any time after its invoke, or never. */
export function weakened(item: CheckOp): CheckOp {
  return { ...item, ret: Infinity, output: UNKNOWN };
}
