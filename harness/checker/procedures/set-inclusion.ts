// Grow-only set (add v, read → all values): decided in O(n log n + size of the reads) from the
// inclusion order of the reads and the real-time windows of the adds, for any set history.
//
// Why it is exact. The set only grows, so in any linearization a read that saw less comes before a
// read that saw more: the distinct read results must form a chain C0 ⊊ C1 ⊊ … (equal results may
// come in any order). A value v first seen in class k(v) must be added after every read of a
// smaller class and before every read of class k(v); a value never read must be added after every
// read. Among several adds of one value the one invoked first is the best to take effect first (any
// other has at least the same ops that must precede it), the rest only need to come after the reads
// that did not see v. An add with unknown outcome may take effect any time after its invoke (or
// never, which is the same as after everything), so it has no deadline. What remains are precedence
// constraints between ops with release times (invokes) and deadlines (completions): they can be met
// iff the earliest schedule meets every deadline, which one pass over the classes computes. The
// schedule, sorted, is the linearization handed back for the certificate.
import type { CheckOp } from '../prepared.ts';
import { UNKNOWN } from '../models/model.ts';
import type { SetInput } from '../models/set.ts';
import type { Decision, DecisionProcedure } from './procedure.ts';

type Value = SetInput['value'];

interface Layout {
  /** Read ids grouped by class, classes in inclusion order. */
  classes: number[][];
  /** Values first seen in each class. */
  fresh: Value[][];
  /** Class in which a value is first seen. */
  entry: Map<Value, number>;
}

export const setInclusion: DecisionProcedure = {
  method: 'set-inclusion',
  decide(ops) {
    const adds = new Map<Value, number[]>();
    const reads: number[] = [];
    ops.forEach((op, id) => {
      const input = op.input as SetInput;
      if (input.f === 'add') {
        const list = adds.get(input.value);
        if (list) list.push(id); else adds.set(input.value, [id]);
      } else if (op.output !== UNKNOWN) reads.push(id);
    });
    for (const list of adds.values()) list.sort((a, b) => ops[a].call - ops[b].call);
    const unwritten = reads.find((id) => seen(ops[id]).some((v) => !adds.has(v)));
    if (unwritten !== undefined) return { valid: false, failing: unwritten, pattern: 'a read returned a value nobody added' };
    const layout = classify(ops, reads);
    if ('failing' in layout) return layout;
    return schedule(ops, adds, layout);
  },
  replay(ops, order) {
    const state = new Set<Value>();
    for (const id of order) {
      const op = ops[id];
      const input = op.input as SetInput;
      if (input.f === 'add') { state.add(input.value); continue; }
      if (op.output === UNKNOWN) continue;
      const values = seen(op);
      if (values.length !== state.size || !values.every((v) => state.has(v))) return false;
    }
    return true;
  },
  project(kept, all) {
    const added = (ops: readonly CheckOp[]): Set<Value> => new Set(ops.filter((op) => (op.input as SetInput).f === 'add').map((op) => (op.input as SetInput).value));
    const anywhere = added(all), here = added(kept);
    return kept.map((op) => {
      if ((op.input as SetInput).f !== 'read' || op.output === UNKNOWN) return op;
      const values = seen(op).filter((v) => here.has(v) || !anywhere.has(v));
      return values.length === seen(op).length ? op : { ...op, output: values, shown: values };
    });
  },
};

const seen = (op: CheckOp): readonly Value[] => (op.output ?? []) as readonly Value[];

/** Groups reads into classes of equal results ordered by inclusion, or finds two reads whose results
 *  are not ordered by inclusion (no order of a growing set shows both). */
function classify(ops: readonly CheckOp[], reads: readonly number[]): Layout | Extract<Decision, { valid: false }> {
  const bySize = [...reads].sort((a, b) => seen(ops[a]).length - seen(ops[b]).length);
  const classes: number[][] = [], fresh: Value[][] = [], entry = new Map<Value, number>();
  let previousRead = -1;
  for (const id of bySize) {
    const values = seen(ops[id]);
    // Every value seen so far is in `entry`: the previous class is contained in this read's result
    // iff all of it is among this result's values that were seen before.
    const added = values.filter((v) => !entry.has(v));
    const size = previousRead < 0 ? 0 : seen(ops[previousRead]).length;
    if (values.length - added.length !== size) return incomparable(ops, id, previousRead);
    if (added.length === 0 && classes.length > 0) { classes[classes.length - 1].push(id); continue; }
    for (const v of added) entry.set(v, classes.length);
    classes.push([id]);
    fresh.push(added);
    previousRead = id;
  }
  return { classes, fresh, entry };
}

function incomparable(ops: readonly CheckOp[], a: number, b: number): Extract<Decision, { valid: false }> {
  return { valid: false, failing: ops[a].ret > ops[b].ret ? a : b, pattern: 'two reads returned sets neither of which contains the other' };
}

/** The earliest schedule class by class: each op's time is the largest of its invoke and the times
 *  of the ops that must precede it; it fails when that is past the op's completion. */
function schedule(ops: readonly CheckOp[], adds: ReadonlyMap<Value, number[]>, layout: Layout): Decision {
  const time = new Float64Array(ops.length), rank = new Int32Array(ops.length);
  const { classes, fresh, entry } = layout;
  const place = (id: number, after: number, r: number): boolean => {
    time[id] = Math.max(ops[id].call, after);
    rank[id] = r;
    return time[id] <= ops[id].ret;
  };
  /** readsDone[j]: the time by which every read of class < j has happened. */
  const readsDone = [-Infinity];
  for (let j = 0; j < classes.length; j++) {
    let added = -Infinity;
    for (const v of fresh[j]) {
      const first = adds.get(v)![0];
      if (!place(first, readsDone[j], 3 * j + 1)) return late(first, 'an add had to take effect after a read that did not see it, and before one that did, but completed first');
      added = Math.max(added, time[first]);
    }
    let done = readsDone[j];
    for (const id of classes[j]) {
      if (!place(id, added, 3 * j + 2)) return late(id, 'a read saw a value whose add had not been invoked yet, or missed one that had completed');
      done = Math.max(done, time[id]);
    }
    readsDone.push(done);
  }
  for (const [v, list] of adds) {
    const k = entry.get(v);
    for (let i = k === undefined ? 0 : 1; i < list.length; i++) {
      const j = k ?? classes.length;
      if (!place(list[i], readsDone[j], 3 * j)) return late(list[i], 'an add completed before a read that did not see its value was invoked');
    }
  }
  const order = ops.map((_, id) => id).filter((id) => !(ops[id].output === UNKNOWN && (ops[id].input as SetInput).f === 'read'));
  order.sort((a, b) => time[a] - time[b] || rank[a] - rank[b]);
  return { valid: true, order };
}

function late(id: number, pattern: string): Decision {
  return { valid: false, failing: id, pattern };
}
