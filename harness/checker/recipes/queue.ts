// Holds the ZooKeeper queue recipe to what it promises, from the history alone (pure functions).
// Promised: no acknowledged enqueue is lost (judged only once a final drain saw the queue empty),
// no element is delivered twice, nothing is delivered that was never enqueued, and with a single
// consumer elements come out in the order they went in; and the sequential suffixes the server hands
// out grow with enqueue order (checkQueueSequence). Not promised: a global FIFO order across
// several consumers (one may take the lowest element and finish after another took the next) —
// such reorderings are counted and shown, not called violations.
//
// An `info` dequeue (delete outcome unknown) may or may not have delivered its candidate element:
// it excuses that element from being lost but never counts towards a duplicate.
import type { Op, PairedOp } from '../../history/op.ts';
import { pairOps } from '../../history/pair.ts';
import type { Checker, CheckResult, Violation } from '../result.ts';

/** One element surely taken off the queue. */
export interface Delivery {
  element: string;
  process: number | string;
  /** Invoke index of the dequeue/drain op. */
  op: number;
  /** Completion time of the op; `rank` orders takes within one drain. */
  time: number;
  rank: number;
}

interface Enqueue { element: string; op: number; start: number; end: number; type: PairedOp['type'] }

interface Taken { element?: unknown }

/** What the history says went in and came out. */
export interface QueueFacts {
  enqueues: Map<string, Enqueue>;
  deliveries: Delivery[];
  /** Elements whose take has an unknown outcome, with the op that may have taken them. */
  uncertain: Map<string, number[]>;
  /** Did a final drain see the queue empty (after catching up with the leader)? */
  drainedEmpty: boolean;
}

const elementOf = (t: unknown): string | undefined => {
  const e = (t as Taken | null)?.element;
  return typeof e === 'string' ? e : undefined;
};

export function queueFacts(history: readonly Op[]): QueueFacts {
  const facts: QueueFacts = { enqueues: new Map(), deliveries: [], uncertain: new Map(), drainedEmpty: false };
  const deliver = (element: string, op: PairedOp, rank: number) => facts.deliveries.push({ element, process: op.process, op: op.invokeIndex, time: op.end, rank });
  const maybe = (element: string | undefined, op: PairedOp) => {
    if (element !== undefined) facts.uncertain.set(element, [...(facts.uncertain.get(element) ?? []), op.invokeIndex]);
  };
  for (const op of pairOps(history)) {
    if (op.f === 'enqueue') {
      const element = String(op.invokeValue);
      facts.enqueues.set(element, { element, op: op.invokeIndex, start: op.start, end: op.end, type: op.type });
    } else if (op.f === 'dequeue') {
      if (op.type === 'ok' && typeof op.value === 'string') deliver(op.value, op, 0);
      if (op.type === 'info') maybe(elementOf(op.meta?.candidate), op);
    } else if (op.f === 'drain' && op.type === 'ok') {
      (Array.isArray(op.value) ? op.value : []).forEach((t, rank) => {
        const element = elementOf(t);
        if (element !== undefined) deliver(element, op, rank);
      });
      maybe(elementOf(op.meta?.uncertain), op);
      if (op.meta?.empty === true) facts.drainedEmpty = true;
    }
  }
  facts.deliveries.sort((a, b) => a.time - b.time || a.rank - b.rank);
  return facts;
}

/** No acknowledged enqueue lost, nothing delivered twice, nothing delivered that never went in. */
export function checkQueueDelivery(history: readonly Op[]): CheckResult {
  const facts = queueFacts(history);
  const violations: Violation[] = [];
  const byElement = new Map<string, Delivery[]>();
  for (const d of facts.deliveries) byElement.set(d.element, [...(byElement.get(d.element) ?? []), d]);

  const duplicated = [...byElement.entries()].filter(([, ds]) => ds.length > 1).map(([element, ds]) => ({ element, ops: ds.map((d) => d.op), by: ds.map((d) => d.process) }));
  for (const d of duplicated) violations.push({ message: `element ${d.element} was delivered ${d.ops.length} times (to processes ${d.by.join(', ')}): a queue delivers each element once`, ops: d.ops, time: byElement.get(d.element)![1].time });

  const unexpected = facts.deliveries.filter((d) => facts.enqueues.get(d.element)?.type !== 'ok' && facts.enqueues.get(d.element)?.type !== 'info');
  for (const d of unexpected) {
    const enq = facts.enqueues.get(d.element);
    violations.push({ message: enq ? `element ${d.element} was delivered although its enqueue certainly failed` : `element ${d.element} was delivered but never enqueued`, ops: enq ? [enq.op, d.op] : [d.op], time: d.time });
  }

  const acknowledged = [...facts.enqueues.values()].filter((e) => e.type === 'ok');
  const missing = acknowledged.filter((e) => !byElement.has(e.element));
  const possiblyDelivered = missing.filter((e) => facts.uncertain.has(e.element));
  const lost = missing.filter((e) => !facts.uncertain.has(e.element));
  if (facts.drainedEmpty) for (const e of lost) violations.push({ message: `acknowledged enqueue of ${e.element} was never delivered, and the final drain found the queue empty: the element was lost`, ops: [e.op], time: e.end });

  const details = {
    enqueued: acknowledged.length,
    enqueueUnknown: [...facts.enqueues.values()].filter((e) => e.type === 'info').length,
    delivered: facts.deliveries.length,
    drainedEmpty: facts.drainedEmpty,
    lost: facts.drainedEmpty ? lost.map((e) => ({ element: e.element, op: e.op })) : [],
    notYetDelivered: facts.drainedEmpty ? [] : lost.map((e) => ({ element: e.element, op: e.op })),
    possiblyDelivered: possiblyDelivered.map((e) => ({ element: e.element, op: e.op, ops: facts.uncertain.get(e.element) })),
    duplicated,
    unexpected: unexpected.map((d) => ({ element: d.element, op: d.op })),
    deliveries: deliveryRows(facts),
    ...latencySummary(facts),
  };
  if (violations.length) {
    const kinds = [duplicated.length && `${duplicated.length} delivered twice`, facts.drainedEmpty && lost.length && `${lost.length} acknowledged enqueues lost`, unexpected.length && `${unexpected.length} delivered without an enqueue`].filter(Boolean);
    return { checker: 'queue-delivery', valid: false, summary: `queue broke its delivery promise: ${kinds.join(', ')} (first: ${violations[0].message})`, violations, details };
  }
  const tail = possiblyDelivered.length ? `; ${possiblyDelivered.length} taken by a dequeue of unknown outcome` : '';
  if (!facts.drainedEmpty) {
    return { checker: 'queue-delivery', valid: 'unknown', summary: `no final drain saw the queue empty, so loss cannot be judged (${lost.length} acknowledged elements not delivered; no duplicates among ${facts.deliveries.length} deliveries)`, details };
  }
  return { checker: 'queue-delivery', valid: true, summary: `all ${acknowledged.length} acknowledged enqueues delivered exactly once (${facts.deliveries.length} deliveries, queue drained empty${tail})`, details };
}

/** At most this many delivery rows go into the details (the counts cover all of them). */
const DELIVERY_ROWS = 2000;

function deliveryRows(facts: QueueFacts) {
  return facts.deliveries.slice(0, DELIVERY_ROWS).map((d) => {
    const enq = facts.enqueues.get(d.element);
    return { element: d.element, enqueuedAt: enq?.end, dequeuedAt: d.time, latencyMs: enq && Number.isFinite(enq.end) ? Math.round(d.time - enq.end) : undefined, by: d.process, op: d.op };
  });
}

function latencySummary(facts: QueueFacts): { deliveryLatencyMs?: { median: number; p99: number; max: number } } {
  const lat = facts.deliveries.map((d) => d.time - (facts.enqueues.get(d.element)?.end ?? NaN)).filter(Number.isFinite).sort((a, b) => a - b);
  if (!lat.length) return {};
  const at = (q: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]);
  return { deliveryLatencyMs: { median: at(0.5), p99: at(0.99), max: Math.round(lat[lat.length - 1]) } };
}

/** Pairs (a, b) where a's enqueue was acknowledged before b's was invoked, yet b was delivered
 *  first. O(n log n): walk deliveries from the last, keeping the earliest-acknowledged element
 *  delivered after the current one. */
export function reorderings(facts: QueueFacts): { first: string; second: string; ops: number[]; time: number }[] {
  const found: { first: string; second: string; ops: number[]; time: number }[] = [];
  let earliestLater: { end: number; d: Delivery } | undefined;
  for (let i = facts.deliveries.length - 1; i >= 0; i--) {
    const d = facts.deliveries[i];
    const enq = facts.enqueues.get(d.element);
    if (!enq || enq.type !== 'ok') continue;
    if (earliestLater && earliestLater.end < enq.start) {
      const a = earliestLater.d;
      found.push({ first: a.element, second: d.element, ops: [facts.enqueues.get(a.element)!.op, enq.op, d.op, a.op], time: d.time });
    }
    if (!earliestLater || enq.end < earliestLater.end) earliestLater = { end: enq.end, d };
  }
  return found.reverse();
}

/** FIFO: a violation with a single consumer (`fifo`), otherwise reorderings are reported as what
 *  several competing consumers are allowed to do. */
export function checkQueueOrder(history: readonly Op[], fifo: boolean): CheckResult {
  const facts = queueFacts(history);
  const found = reorderings(facts);
  const consumers = new Set(facts.deliveries.map((d) => d.process)).size;
  const details = { fifoRequired: fifo, consumerProcesses: consumers, deliveries: facts.deliveries.length, reorderings: found.slice(0, 200), reorderingCount: found.length };
  if (!fifo) {
    const what = found.length ? `${found.length} deliveries came out of enqueue order across competing consumers (allowed: ZooKeeper's queue promises FIFO only per single consumer)` : 'no reorderings observed';
    return { checker: 'queue-order', valid: true, summary: `several consumers: ${what}`, details };
  }
  if (!found.length) return { checker: 'queue-order', valid: true, summary: `FIFO held: ${facts.deliveries.length} deliveries in enqueue order`, details };
  const violations = found.slice(0, 100).map((r) => ({ message: `${r.second} was delivered before ${r.first}, although ${r.first}'s enqueue was acknowledged before ${r.second}'s began (single consumer: FIFO promised)`, ops: r.ops, time: r.time }));
  return { checker: 'queue-order', valid: false, summary: `FIFO broken for a single consumer: ${found.length} out-of-order deliveries (first: ${violations[0].message})`, violations, details };
}

/** An acknowledged enqueue with the sequential suffix the server gave its node. */
interface Numbered { element: string; op: number; start: number; end: number; path: string; seq: number }

function numberedEnqueues(history: readonly Op[]): Numbered[] {
  const out: Numbered[] = [];
  for (const op of pairOps(history)) {
    const path = op.meta?.path;
    const digits = typeof path === 'string' ? /(\d+)$/.exec(path)?.[1] : undefined;
    if (op.f === 'enqueue' && op.type === 'ok' && digits) out.push({ element: String(op.invokeValue), op: op.invokeIndex, start: op.start, end: op.end, path: path as string, seq: Number(digits) });
  }
  return out;
}

/** Pairs (a, b): a acknowledged before b began, yet b's suffix is not above a's. O(n log n): walk
 *  the enqueues by start, folding in those acknowledged before it, keeping the highest suffix. */
function suffixInversions(all: readonly Numbered[]): { before: Numbered; after: Numbered }[] {
  const byEnd = [...all].sort((a, b) => a.end - b.end);
  const found: { before: Numbered; after: Numbered }[] = [];
  let highest: Numbered | undefined;
  let folded = 0;
  for (const b of [...all].sort((x, y) => x.start - y.start)) {
    for (; folded < byEnd.length && byEnd[folded].end < b.start; folded++) if (!highest || byEnd[folded].seq > highest.seq) highest = byEnd[folded];
    if (highest && b.seq <= highest.seq) found.push({ before: highest, after: b });
  }
  return found;
}

/** ZooKeeper's sequential nodes: a child's suffix is its parent's cversion at the create, which only
 *  grows (deletes count too) — so suffixes are never handed out twice, and an enqueue acknowledged
 *  before another began has the smaller one. Checked on the acknowledged enqueues' own paths, so it
 *  holds whatever the consumers did (a FIFO check sees a reused suffix only when the consumer takes
 *  the new element while an older one still waits). */
export function checkQueueSequence(history: readonly Op[]): CheckResult {
  const numbered = numberedEnqueues(history);
  const found = suffixInversions(numbered);
  const seen = new Map<string, Numbered>();
  const twice: { first: Numbered; again: Numbered }[] = [];
  for (const n of numbered) {
    const first = seen.get(n.path);
    if (first) twice.push({ first, again: n });
    else seen.set(n.path, n);
  }
  const details = { enqueues: numbered.length, inversions: found.length, reusedPaths: twice.length };
  const violations: Violation[] = [
    ...twice.slice(0, 50).map(({ first, again }) => ({ message: `${first.path} was handed out twice: to ${first.element} and to ${again.element} (a sequential suffix is never reused)`, ops: [first.op, again.op], time: again.end })),
    ...found.slice(0, 100).map(({ before, after }) => ({ message: `${after.element} got suffix ${after.seq} (${after.path}), not above the ${before.seq} of ${before.element}, whose enqueue was acknowledged before ${after.element}'s began (sequential suffixes only grow)`, ops: [before.op, after.op], time: after.end })),
  ];
  if (violations.length) return { checker: 'queue-sequence', valid: false, summary: `sequential suffixes went back: ${found.length} enqueues got a suffix not above one acknowledged before they began${twice.length ? `, ${twice.length} path${twice.length === 1 ? '' : 's'} handed out twice` : ''} (first: ${violations[0].message})`, violations, details };
  return { checker: 'queue-sequence', valid: true, summary: `sequential suffixes grew with enqueue order (${numbered.length} acknowledged enqueues)`, details };
}

export function queueCheckers(o: { fifo: boolean }): Checker[] {
  return [
    { name: 'queue-delivery', check: (history) => checkQueueDelivery(history) },
    { name: 'queue-order', check: (history) => checkQueueOrder(history, o.fifo) },
    { name: 'queue-sequence', check: (history) => checkQueueSequence(history) },
  ];
}
