// Registers (read / write, and cas) in which every written value is distinct and differs from the
// initial nil: the value a read returned names the write it read from, so linearizability is decided
// in O(n log n) (Gibbons & Korach, "Testing shared memories", 1997), extended here to cas.
//
// Why it is exact. A write and the reads of its value form a cluster that must be contiguous in any
// linearization (once another value is written, this one never comes back). A cas that took effect
// read one value and wrote the next, so it ends one cluster and starts the following one: clusters
// linked by cas form a block whose inner order is forced (writer, its reads, the cas, the next
// value's reads, …), and blocks must not interleave. Let lo be the earliest completion and hi the
// latest invoke among a block's ops. If lo < hi the block spans at least [lo, hi] (a forward zone);
// otherwise all its ops are running at some common moment in [hi, lo] and the block fits there (a
// backward zone). A linearization exists iff (1) every value read was written, by an op that took
// effect, and at most one cas took effect from each value; (2) inside each block no op completed
// before an op that the forced order puts before it was invoked; (3) no two forward zones overlap;
// (4) no backward zone lies inside a forward zone. (1)–(4) are necessary by the argument above;
// sufficient because blocks can then be laid out in zone order, each inside the gap its zone leaves.
// Ops with unknown outcome: a write or cas whose value is observed (read, or the old value of a cas
// that took effect) took effect; one whose value nobody observes may be taken to have had no effect.
// Histories outside these conditions (a value written twice, nil written) are declined.
import type { CheckOp } from '../prepared.ts';
import { UNKNOWN } from '../models/model.ts';
import type { CasInput } from '../models/cas-register.ts';
import type { Decision, DecisionProcedure } from './procedure.ts';

type Value = null | number | string | boolean;
type Input = CasInput;

interface Cluster { writer: number; reads: number[]; next: number }
interface Block { layers: number[][]; lo: number; hi: number; key: number }

export const uniqueWrites: DecisionProcedure = {
  method: 'unique-writes',
  decide(ops) {
    const writerOf = writers(ops);
    if (!writerOf || !distinctPositions(ops)) return null;
    const effective = effectiveOps(ops, writerOf);
    const clusters = clustersOf(ops, writerOf, effective);
    if ('failing' in clusters) return clusters;
    const blocks = blocksOf(ops, clusters);
    if ('failing' in blocks) return blocks;
    return zoneOrder(blocks);
  },
  replay(ops, order) {
    let state: Value = null;
    for (const id of order) {
      const input = ops[id].input as Input;
      if (input.f === 'write') state = input.value;
      else if (input.f === 'cas') {
        if (state !== input.from) return false;
        state = input.to;
      } else if (ops[id].output !== UNKNOWN && ops[id].output !== state) return false;
    }
    return true;
  },
};

const written = (input: Input): Value | undefined => (input.f === 'write' ? input.value : input.f === 'cas' ? input.to : undefined);

/** Which op wrote each value; null when a value is written twice or nil is written (declined). */
function writers(ops: readonly CheckOp[]): Map<Value, number> | null {
  const writerOf = new Map<Value, number>();
  for (let id = 0; id < ops.length; id++) {
    const v = written(ops[id].input as Input);
    if (v === undefined) continue;
    if (v === null || writerOf.has(v)) return null;
    writerOf.set(v, id);
  }
  return writerOf;
}

/** Zones compare positions: the procedure relies on every invoke and completion having its own
 *  integer position (true of paired histories; declined otherwise). */
function distinctPositions(ops: readonly CheckOp[]): boolean {
  const positions: number[] = [];
  for (const op of ops) { positions.push(op.call); if (op.ret !== Infinity) positions.push(op.ret); }
  positions.sort((a, b) => a - b);
  return positions.every((p, i) => Number.isInteger(p) && (i === 0 || p !== positions[i - 1]));
}

/** Ops that took effect: every op with a known outcome, and each unknown-outcome write or cas whose
 *  value is observed (transitively through cas ops that took effect). */
function effectiveOps(ops: readonly CheckOp[], writerOf: ReadonlyMap<Value, number>): Uint8Array {
  const effective = new Uint8Array(ops.length);
  const observed = new Set<Value>();
  const observe = (v: Value): void => {
    if (observed.has(v)) return;
    observed.add(v);
    const w = writerOf.get(v);
    if (w === undefined || effective[w]) return;
    effective[w] = 1;
    const input = ops[w].input as Input;
    if (input.f === 'cas') observe(input.from);
  };
  ops.forEach((op, id) => {
    const input = op.input as Input;
    if (op.ret !== Infinity) effective[id] = 1;
    if (input.f === 'read' && op.output !== UNKNOWN) observe(op.output as Value);
    if (input.f === 'cas' && op.ret !== Infinity) observe(input.from);
  });
  return effective;
}

function clustersOf(ops: readonly CheckOp[], writerOf: ReadonlyMap<Value, number>, effective: Uint8Array): Map<Value, Cluster> | Extract<Decision, { valid: false }> {
  const clusters = new Map<Value, Cluster>();
  const cluster = (v: Value): Cluster => {
    let c = clusters.get(v);
    if (!c) clusters.set(v, (c = { writer: -1, reads: [], next: -1 }));
    return c;
  };
  for (let id = 0; id < ops.length; id++) {
    const input = ops[id].input as Input;
    if (input.f === 'write') {
      if (effective[id]) cluster(input.value).writer = id;
      continue;
    }
    if (input.f === 'cas' && !effective[id]) continue;
    const v = input.f === 'cas' ? input.from : (ops[id].output as Value | typeof UNKNOWN);
    if (v === UNKNOWN) continue;
    if (v !== null && !writerOf.has(v)) return { valid: false, failing: id, pattern: `${input.f === 'cas' ? 'a cas' : 'a read'} found a value nobody wrote` };
    const c = cluster(v);
    if (input.f === 'read') { c.reads.push(id); continue; }
    if (c.next >= 0) return { valid: false, failing: ops[c.next].ret > ops[id].ret ? c.next : id, pattern: 'two cas ops took effect from the same value' };
    c.next = id;
    cluster(input.to).writer = id;
  }
  return clusters;
}

/** Follows cas links from each chain start (the initial value, or a write) into blocks of layers. */
function blocksOf(ops: readonly CheckOp[], clusters: ReadonlyMap<Value, Cluster>): Block[] | Extract<Decision, { valid: false }> {
  const blocks: Block[] = [];
  let visited = 0;
  const byCall = (a: number, b: number): number => ops[a].call - ops[b].call;
  for (const [value, start] of clusters) {
    const initial = value === null;
    if (!initial && (start.writer < 0 || (ops[start.writer].input as Input).f !== 'write')) continue;
    const layers: number[][] = [];
    for (let c: Cluster | undefined = start; c; c = c.next >= 0 ? clusters.get((ops[c.next].input as { to: Value }).to) : undefined) {
      visited++;
      if (c.writer >= 0) layers.push([c.writer]);
      if (c.reads.length) layers.push([...c.reads].sort(byCall));
    }
    if (layers.length === 0) continue;
    const inverted = innerInversion(ops, layers);
    if (inverted >= 0) return { valid: false, failing: inverted, pattern: 'an op completed before an op that must precede it was invoked' };
    blocks.push(zone(ops, layers, initial));
  }
  if (visited < clusters.size) {
    const stray = [...clusters.values()].find((c) => c.writer >= 0 && (ops[c.writer].input as Input).f === 'cas')!;
    return { valid: false, failing: stray.writer, pattern: 'cas ops took effect in a cycle no write starts' };
  }
  return blocks;
}

/** An op of a later layer that completed before an op of an earlier layer was invoked, or -1. */
function innerInversion(ops: readonly CheckOp[], layers: readonly number[][]): number {
  let latestCall = -Infinity;
  for (const layer of layers) {
    for (const id of layer) if (ops[id].ret < latestCall) return id;
    for (const id of layer) latestCall = Math.max(latestCall, ops[id].call);
  }
  return -1;
}

function zone(ops: readonly CheckOp[], layers: number[][], initial: boolean): Block {
  let lo = initial ? -Infinity : Infinity, hi = -Infinity;
  for (const layer of layers) for (const id of layer) { lo = Math.min(lo, ops[id].ret); hi = Math.max(hi, ops[id].call); }
  return { layers, lo, hi, key: lo };
}

/** Checks (3) and (4), places each backward zone at a moment outside every forward zone, and lays the
 *  blocks out in that order. */
function zoneOrder(blocks: Block[]): Decision {
  const forward = blocks.filter((b) => b.lo < b.hi).sort((a, b) => a.lo - b.lo);
  for (let i = 1; i < forward.length; i++) {
    if (forward[i - 1].hi > forward[i].lo) return { valid: false, failing: forward[i].layers[0][0], pattern: 'two groups of ops that must each span a stretch of time overlap (forward zones)' };
  }
  for (const b of blocks) {
    if (b.lo < b.hi) continue;
    const around = lastStartingBefore(forward, b.hi);
    if (around && b.hi < around.hi) {
      if (b.lo < around.hi) return { valid: false, failing: b.layers[0][0], pattern: 'ops that must take effect together lie inside a stretch that belongs to another value (backward zone inside a forward zone)' };
      b.key = around.hi + 0.5;
    } else b.key = b.hi + 0.5;
  }
  blocks.sort((a, b) => a.key - b.key);
  return { valid: true, order: blocks.flatMap((b) => b.layers.flat()) };
}

function lastStartingBefore(forward: readonly Block[], at: number): Block | undefined {
  let lo = 0, hi = forward.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (forward[mid].lo < at) lo = mid + 1; else hi = mid;
  }
  return forward[lo - 1];
}
