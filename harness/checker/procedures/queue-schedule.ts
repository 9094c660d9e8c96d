// FIFO queue with distinct enqueued values (none nil): decided by building one linearization
// greedily, op by op, making only choices that cannot lose. Where it gets stuck, the history shows
// one of the queue violations characterised by Henzinger, Sezgin & Vafeiadis (CONCUR 2013) and
// Bouajjani, Emmi, Enea & Hamza (ICALP 2015): a value dequeued twice or never enqueued, FIFO order
// inverted, or an empty dequeue while some value must be in the queue; the argument below extends
// them to ops with unknown outcome.
//
// Why it is exact. With distinct values a linearization is determined by the order π in which values
// are enqueued: they are dequeued in the same order, values never dequeued come after all dequeued
// ones, and an empty dequeue (nil) sits at a moment no value is in the queue. Three moves are always
// safe when possible: dequeue the head as soon as its dequeue is invoked (nothing but enqueues can
// happen while it is the head, and those commute with it); place an empty dequeue as soon as it is
// invoked while the queue is empty (it changes nothing); and let a dequeue with unknown outcome take
// a head value nobody ever dequeued, as soon as one is invoked, when the queue must still drain for
// other dequeues (the earliest-invoked such dequeue is the best one to use; taking nil or not taking
// effect at all changes nothing; an enqueue with unknown outcome whose value nobody dequeued is taken
// not to have happened). Otherwise an enqueue must come next. Value u must precede v in π when u's
// enqueue completed before v's was invoked, or u's dequeue completed before v's dequeue (or enqueue)
// was invoked; without empty dequeues any order respecting these can be realised (a cycle through the
// real-time order of the ops would need one of these pairs reversed). An empty dequeue z splits π:
// every value forced before z (transitively, including values enqueued before a value before z starts
// being dequeued) must be enqueued and dequeued before z; that set is a threshold closure over the
// ops' completions, and the earliest-invoked unplaced z is always the one to serve first. So the next
// enqueue is of a value in the current z's closure that no value still to be enqueued must precede:
// values that will be dequeued first, then values never dequeued (each of which must then be taken
// by a dequeue with unknown outcome: the next unused one in invoke order), earliest enqueue
// completion first. If no move is possible the history is not linearizable.
//
// The argument is ours; the tests hold the procedure to the generic search on thousands of random
// histories (test/checker-procedures.test.ts), and a "linearizable" answer is still replayed by the
// caller (certificate.ts). Histories with a value enqueued twice or a nil enqueued are declined.
import type { CheckOp } from '../prepared.ts';
import { UNKNOWN } from '../models/model.ts';
import type { QueueInput } from '../models/fifo-queue.ts';
import type { Decision, DecisionProcedure } from './procedure.ts';

type Value = QueueInput['value'];

/** One enqueued value that must take effect: its enqueue, its dequeue (-1: never dequeued). */
interface Item { enq: number; deq: number }

interface Plan {
  items: Item[];
  /** Ops that must all be linearized (enqueues that took effect, dequeues with a known result). */
  mandatory: number[];
  empties: number[];
  /** Dequeues with unknown outcome, by invoke. */
  wildcards: number[];
  itemOf: Map<number, number>;
}

export const queueSchedule: DecisionProcedure = {
  method: 'queue-schedule',
  decide(ops) {
    const plan = planOf(ops);
    if (plan === null || 'failing' in plan) return plan;
    return new Schedule(ops, plan).run();
  },
  replay(ops, order) {
    const queue: Value[] = [];
    let head = 0;
    for (const id of order) {
      const input = ops[id].input as QueueInput, out = ops[id].output;
      if (input.f === 'enqueue') { queue.push(input.value); continue; }
      if (head === queue.length) { if (out !== UNKNOWN && out !== null) return false; continue; }
      if (out !== UNKNOWN && out !== queue[head]) return false;
      head++;
    }
    return true;
  },
  units(ops) {
    const byValue = new Map<Value, number[]>(), alone: number[][] = [];
    ops.forEach((op, id) => {
      const input = op.input as QueueInput;
      const v = input.f === 'enqueue' ? input.value : op.output === UNKNOWN ? null : (op.output as Value);
      if (v === null) { alone.push([id]); return; }
      const unit = byValue.get(v);
      if (unit) unit.push(id); else byValue.set(v, [id]);
    });
    return [...byValue.values(), ...alone];
  },
};

/** Sorts ops into items, empty dequeues and wildcards; finds the violations visible per value (a value
 *  dequeued twice, never enqueued, or dequeued before its enqueue was invoked). */
function planOf(ops: readonly CheckOp[]): Plan | Extract<Decision, { valid: false }> | null {
  const enqOf = new Map<Value, number>(), deqOf = new Map<Value, number>();
  const empties: number[] = [], wildcards: number[] = [];
  for (let id = 0; id < ops.length; id++) {
    const input = ops[id].input as QueueInput;
    if (input.f !== 'enqueue') continue;
    if (input.value === null || enqOf.has(input.value)) return null; // outside what the procedure handles
    enqOf.set(input.value, id);
  }
  for (let id = 0; id < ops.length; id++) {
    const input = ops[id].input as QueueInput, out = ops[id].output as Value | typeof UNKNOWN;
    if (input.f === 'enqueue') continue;
    if (out === UNKNOWN) wildcards.push(id);
    else if (out === null) empties.push(id);
    else {
      const twice = deqOf.get(out);
      if (twice !== undefined) return violation(ops[twice].ret > ops[id].ret ? twice : id, 'a value was dequeued twice');
      deqOf.set(out, id);
    }
  }
  const items: Item[] = [], itemOf = new Map<number, number>(), mandatory = [...empties];
  for (const [v, deq] of deqOf) {
    const enq = enqOf.get(v);
    if (enq === undefined) return violation(deq, 'a dequeue returned a value nobody enqueued');
    if (ops[deq].ret < ops[enq].call) return violation(deq, 'a value was dequeued before its enqueue was invoked');
  }
  for (const [v, enq] of enqOf) {
    const deq = deqOf.get(v) ?? -1;
    if (deq < 0 && ops[enq].ret === Infinity) continue; // never observed: it may not have taken effect
    itemOf.set(enq, items.length);
    if (deq >= 0) itemOf.set(deq, items.length);
    items.push({ enq, deq });
    mandatory.push(enq);
    if (deq >= 0) mandatory.push(deq);
  }
  wildcards.sort((a, b) => ops[a].call - ops[b].call);
  return { items, mandatory, empties, wildcards, itemOf };
}

function violation(failing: number, pattern: string): Extract<Decision, { valid: false }> {
  return { valid: false, failing, pattern };
}

/** The greedy construction (see the module comment). Mandatory ops become candidates once invoked
 *  before the earliest completion among mandatory ops not yet linearized. */
class Schedule {
  private readonly done: Uint8Array;
  private readonly order: number[] = [];
  private readonly byRet: number[];
  private readonly byCall: number[];
  private retAt = 0;
  private callAt = 0;
  private left: number;
  private readonly invokedItems: number[] = [];
  private invokedEmpties: number[] = [];
  private readonly queue: number[] = [];
  private head = 0;
  /** Never-dequeued items in the queue (each will be taken by a wildcard). */
  private strays = 0;
  private used = 0;
  private dequeuesLeft: number;
  /** Items that will be dequeued and are not enqueued yet: while there are any (or empty dequeues
   *  are left), a never-dequeued item enqueued now must later be taken by a wildcard. */
  private toEnqueueAndDequeue: number;
  private emptiesLeft: number;
  private readonly enqueued: Uint8Array;
  /** Items that will be dequeued, by dequeue completion: the earliest not enqueued yet blocks values
   *  whose dequeue is invoked after it completes. */
  private readonly byDeqRet: number[];
  private deqRetAt = 0;
  private readonly emptiesByCall: number[];
  private emptyAt = 0;
  private readonly byFirstRet: number[];
  /** Items before this position in byFirstRet are all enqueued (the closure scan starts here). */
  private closedAt = 0;
  private threshold = Infinity;
  private stale = true;

  constructor(private readonly ops: readonly CheckOp[], private readonly plan: Plan) {
    const { items, mandatory, empties } = plan;
    this.done = new Uint8Array(ops.length);
    this.enqueued = new Uint8Array(items.length);
    this.byRet = mandatory.filter((id) => ops[id].ret !== Infinity).sort((a, b) => ops[a].ret - ops[b].ret);
    this.byCall = [...mandatory].sort((a, b) => ops[a].call - ops[b].call);
    this.left = mandatory.length;
    this.dequeuesLeft = items.filter((it) => it.deq >= 0).length;
    this.toEnqueueAndDequeue = this.dequeuesLeft;
    this.emptiesLeft = empties.length;
    const ids = items.map((_, i) => i);
    this.byDeqRet = ids.filter((i) => items[i].deq >= 0).sort((a, b) => ops[items[a].deq].ret - ops[items[b].deq].ret);
    this.emptiesByCall = [...empties].sort((a, b) => ops[a].call - ops[b].call);
    this.byFirstRet = ids.sort((a, b) => this.firstRet(a) - this.firstRet(b));
  }

  run(): Decision {
    while (this.left > 0) {
      const now = this.minRet();
      this.invokeUpTo(now);
      if (this.dequeueHead(now) || this.placeEmpties() || this.enqueueNext()) continue;
      const stuck = this.byRet[this.retAt] ?? this.plan.mandatory.find((id) => !this.done[id])!;
      return violation(stuck, 'no order of the queue operations reaches this completion (FIFO order or an empty dequeue cannot be met)');
    }
    return { valid: true, order: this.order };
  }

  private linearize(id: number): void {
    this.done[id] = 1;
    this.order.push(id);
    this.left--;
  }

  private minRet(): number {
    while (this.retAt < this.byRet.length && this.done[this.byRet[this.retAt]]) this.retAt++;
    return this.retAt < this.byRet.length ? this.ops[this.byRet[this.retAt]].ret : Infinity;
  }

  private invokeUpTo(now: number): void {
    for (; this.callAt < this.byCall.length && this.ops[this.byCall[this.callAt]].call <= now; this.callAt++) {
      const id = this.byCall[this.callAt];
      const item = this.plan.itemOf.get(id);
      if (item === undefined) this.invokedEmpties.push(id);
      else if (this.plan.items[item].enq === id) this.invokedItems.push(item);
    }
  }

  /** Safe moves 1 and 3: the head's own dequeue, or a wildcard taking a never-dequeued head. */
  private dequeueHead(now: number): boolean {
    if (this.head === this.queue.length) return false;
    const item = this.plan.items[this.queue[this.head]];
    if (item.deq >= 0) {
      if (this.ops[item.deq].call > now) return false;
      this.linearize(item.deq);
      this.dequeuesLeft--;
    } else {
      const wildcard = this.plan.wildcards[this.used];
      if ((this.dequeuesLeft === 0 && this.emptiesLeft === 0) || wildcard === undefined || this.ops[wildcard].call > now) return false;
      this.order.push(wildcard);
      this.used++;
      this.strays--;
    }
    this.head++;
    return true;
  }

  /** Safe move 2: every invoked empty dequeue, while the queue is empty. */
  private placeEmpties(): boolean {
    if (this.head !== this.queue.length || this.invokedEmpties.length === 0) return false;
    for (const id of this.invokedEmpties) { this.linearize(id); this.emptiesLeft--; }
    this.invokedEmpties = [];
    this.stale = true;
    return true;
  }

  private enqueueNext(): boolean {
    const pick = this.pickEnqueue();
    if (pick < 0) return false;
    const item = this.plan.items[pick];
    this.invokedItems.splice(this.invokedItems.indexOf(pick), 1);
    this.linearize(item.enq);
    this.enqueued[pick] = 1;
    this.queue.push(pick);
    if (item.deq < 0) { this.strays++; this.stale = true; } else this.toEnqueueAndDequeue--;
    return true;
  }

  /** The invoked item to enqueue next, or -1: see the module comment. */
  private pickEnqueue(): number {
    const { ops, plan } = this;
    const blockedFrom = this.earliestPendingDequeueReturn();
    const within = this.emptiesLeft > 0 ? this.closure() : Infinity;
    const drained = this.toEnqueueAndDequeue === 0 && this.emptiesLeft === 0;
    let best = -1, bestStray = -1;
    for (const i of this.invokedItems) {
      const { enq, deq } = plan.items[i];
      if (this.firstRet(i) >= within) continue;
      if (deq >= 0) {
        if (ops[deq].call < blockedFrom && (best < 0 || ops[deq].ret < ops[plan.items[best].deq].ret)) best = i;
        continue;
      }
      if (!drained) {
        const wildcard = plan.wildcards[this.used + this.strays];
        if (wildcard === undefined || Math.max(ops[enq].call, ops[wildcard].call) >= blockedFrom) continue;
      }
      if (bestStray < 0 || ops[enq].ret < ops[plan.items[bestStray].enq].ret) bestStray = i;
    }
    return best >= 0 ? best : bestStray;
  }

  /** The earliest completion of a dequeue whose value is not enqueued yet. */
  private earliestPendingDequeueReturn(): number {
    while (this.deqRetAt < this.byDeqRet.length && this.enqueued[this.byDeqRet[this.deqRetAt]]) this.deqRetAt++;
    const i = this.byDeqRet[this.deqRetAt];
    return i === undefined ? Infinity : this.ops[this.plan.items[i].deq].ret;
  }

  private firstRet(i: number): number {
    const { enq, deq } = this.plan.items[i];
    return Math.min(this.ops[enq].ret, deq >= 0 ? this.ops[deq].ret : Infinity);
  }

  /** Threshold closure of the earliest-invoked unplaced empty dequeue: items whose first completion is
   *  below the threshold must be enqueued and dequeued before it. The threshold grows with the latest
   *  invoke (enqueue, dequeue, or the wildcard that will take a never-dequeued item) of every member. */
  private closure(): number {
    if (!this.stale) return this.threshold;
    const { ops, plan } = this;
    while (this.emptyAt < this.emptiesByCall.length && this.done[this.emptiesByCall[this.emptyAt]]) this.emptyAt++;
    let t = ops[this.emptiesByCall[this.emptyAt]].call;
    let wildcard = this.used;
    const take = (i: number): void => {
      const { enq, deq } = plan.items[i];
      if (deq >= 0) t = Math.max(t, ops[enq].call, ops[deq].call);
      else {
        const w = plan.wildcards[wildcard++];
        t = Math.max(t, ops[enq].call, w === undefined ? Infinity : ops[w].call);
      }
    };
    for (let k = this.head; k < this.queue.length; k++) take(this.queue[k]);
    while (this.closedAt < this.byFirstRet.length && this.enqueued[this.byFirstRet[this.closedAt]]) this.closedAt++;
    for (let k = this.closedAt; k < this.byFirstRet.length && this.firstRet(this.byFirstRet[k]) < t; k++) {
      if (!this.enqueued[this.byFirstRet[k]]) take(this.byFirstRet[k]);
    }
    this.threshold = t;
    this.stale = false;
    return t;
  }
}
