// A FIFO queue: enqueue v, dequeue → the oldest value, or nil when the queue is empty.
// States are immutable arrays (copied on change); queues in checked histories are short.
import type { Model } from './model.ts';
import { ILLEGAL, UNKNOWN, byKey } from './model.ts';
import { canonical, expectFunction, hashValue, show } from './values.ts';

type Value = null | number | string | boolean;
export interface QueueInput { f: 'enqueue' | 'dequeue'; value: Value }
type Queue = readonly Value[];

export const fifoQueue: Model<Queue, QueueInput, Value> = {
  name: 'fifo-queue',
  description: 'enqueue v / dequeue → oldest value (nil when empty)',
  init: () => [],
  prepare(op) {
    expectFunction(op, ['enqueue', 'dequeue'], 'fifo-queue');
    if (op.f === 'enqueue') { const v = canonical(op.invokeValue); return { input: { f: 'enqueue', value: v }, output: null }; }
    return { input: { f: 'dequeue', value: null }, output: canonical(op.value) };
  },
  step(queue, input, output) {
    if (input.f === 'enqueue') return { ok: true, state: [...queue, input.value] };
    if (queue.length === 0) return output === UNKNOWN || output === null ? { ok: true, state: queue } : ILLEGAL;
    return output === UNKNOWN || output === queue[0] ? { ok: true, state: queue.slice(1) } : ILLEGAL;
  },
  hash(queue) {
    let h = queue.length;
    for (const v of queue) h = Math.imul(h ^ hashValue(v), 0x01000193);
    return h | 0;
  },
  equal: (a, b) => a.length === b.length && a.every((v, i) => v === b[i]),
  readOnly: () => false,
  partitionKey: byKey,
  describeOp: (input, output) => (input.f === 'enqueue' ? `enqueue ${show(input.value)}` : `dequeue → ${output === UNKNOWN ? '?' : show(output)}`),
  describeState: (queue) => `[${queue.map(show).join(' ')}]`,
};
