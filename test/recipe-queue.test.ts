// The queue recipe: the pure checkers on hand-made histories (valid ones, and ones that lose,
// duplicate, invent or reorder elements), then the scenarios end to end on real ZooKeeper — the
// correct recipe passes under a partition and a kill, the read-is-take consumer exits 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkQueueDelivery, checkQueueOrder, checkQueueSequence } from '../harness/checker/recipes/queue.ts';
import type { Op } from '../harness/history/op.ts';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import { runScenario } from '../harness/scenario/run.ts';
import { tempFolders } from './support/temp.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A history built op by op: `op(process, f, invokeValue, type, completionValue, meta)` appends an
 *  invoke at time t and its completion at t+1, then advances the clock. */
function historyOf(build: (op: (p: number, f: string, v: unknown, type: 'ok' | 'fail' | 'info', out?: unknown, meta?: Record<string, unknown>) => void) => void): Op[] {
  const h: Op[] = [];
  let t = 0;
  build((process, f, value, type, out, meta) => {
    h.push({ index: h.length, time: t++, process, type: 'invoke', f, value });
    h.push({ index: h.length, time: t++, process, type, f, value: out === undefined ? value : out, ...(meta ? { meta } : {}) });
  });
  return h;
}

const drained = (p: number, items: string[], meta: Record<string, unknown> = { empty: true }) => [p, 'drain', null, 'ok', items.map((element, i) => ({ element, path: `/fl-queue/q/item-${i}` })), meta] as const;

describe('queue checkers (hand-made histories)', () => {
  it('accepts every acknowledged enqueue delivered once and the queue drained empty', () => {
    const h = historyOf((op) => {
      op(0, 'enqueue', 'a', 'ok');
      op(0, 'enqueue', 'b', 'ok');
      op(1, 'dequeue', null, 'ok', 'a');
      op(...drained(1, ['b']));
    });
    const r = checkQueueDelivery(h);
    assert.equal(r.valid, true, r.summary);
    assert.equal((r.details!.deliveries as unknown[]).length, 2);
    assert.equal(checkQueueOrder(h, true).valid, true);
  });

  it('flags an element delivered twice, naming both dequeues', () => {
    const h = historyOf((op) => {
      op(0, 'enqueue', 'a', 'ok');
      op(1, 'dequeue', null, 'ok', 'a');
      op(2, 'dequeue', null, 'ok', 'a');
      op(...drained(1, []));
    });
    const r = checkQueueDelivery(h);
    assert.equal(r.valid, false);
    assert.match(r.summary, /delivered twice/);
    assert.deepEqual(r.violations![0].ops, [2, 4]);
  });

  it('flags an acknowledged enqueue lost once a drain saw the queue empty, but only "unknown" without one', () => {
    const lost = historyOf((op) => {
      op(0, 'enqueue', 'a', 'ok');
      op(0, 'enqueue', 'b', 'ok');
      op(...drained(1, ['a']));
    });
    const r = checkQueueDelivery(lost);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /b was never delivered/);
    const undrained = historyOf((op) => {
      op(0, 'enqueue', 'a', 'ok');
      op(...drained(1, [], { empty: false, stoppedBy: 'list: ConnectionLoss' }));
    });
    assert.equal(checkQueueDelivery(undrained).valid, 'unknown');
  });

  it('lets a dequeue of unknown outcome excuse its candidate from being lost, never from a duplicate', () => {
    const excused = historyOf((op) => {
      op(0, 'enqueue', 'a', 'ok');
      op(1, 'dequeue', null, 'info', undefined, { candidate: { element: 'a', path: '/fl-queue/q/item-0' } });
      op(...drained(2, []));
    });
    const r = checkQueueDelivery(excused);
    assert.equal(r.valid, true, r.summary);
    assert.equal((r.details!.possiblyDelivered as unknown[]).length, 1);
    const twice = historyOf((op) => {
      op(0, 'enqueue', 'a', 'ok');
      op(1, 'dequeue', null, 'info', undefined, { candidate: { element: 'a', path: '/fl-queue/q/item-0' } });
      op(2, 'dequeue', null, 'ok', 'a');
      op(3, 'dequeue', null, 'ok', 'a');
      op(...drained(2, []));
    });
    assert.equal(checkQueueDelivery(twice).valid, false);
  });

  it('flags an element delivered whose enqueue certainly failed, or that nobody enqueued', () => {
    const h = historyOf((op) => {
      op(0, 'enqueue', 'a', 'fail');
      op(1, 'dequeue', null, 'ok', 'a');
      op(1, 'dequeue', null, 'ok', 'zz');
      op(...drained(1, []));
    });
    const r = checkQueueDelivery(h);
    assert.equal(r.valid, false);
    assert.equal((r.details!.unexpected as unknown[]).length, 2);
    assert.match(r.violations!.map((v) => v.message).join('\n'), /certainly failed[\s\S]*never enqueued/);
  });

  it('an info enqueue may be delivered or not', () => {
    const h = historyOf((op) => {
      op(0, 'enqueue', 'a', 'info');
      op(3, 'enqueue', 'b', 'info');
      op(1, 'dequeue', null, 'ok', 'a');
      op(...drained(1, []));
    });
    assert.equal(checkQueueDelivery(h).valid, true);
  });

  it('FIFO: a single consumer taking b before a (a acknowledged before b began) is a violation; with several consumers only reported', () => {
    const h = historyOf((op) => {
      op(0, 'enqueue', 'a', 'ok');
      op(0, 'enqueue', 'b', 'ok');
      op(1, 'dequeue', null, 'ok', 'b');
      op(1, 'dequeue', null, 'ok', 'a');
      op(...drained(1, []));
    });
    assert.equal(checkQueueDelivery(h).valid, true);
    const strict = checkQueueOrder(h, true);
    assert.equal(strict.valid, false);
    assert.match(strict.violations![0].message, /b was delivered before a/);
    const relaxed = checkQueueOrder(h, false);
    assert.equal(relaxed.valid, true);
    assert.equal(relaxed.details!.reorderingCount, 1);
  });

  it('FIFO: concurrent enqueues may come out in either order', () => {
    const h: Op[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'enqueue', value: 'a' },
      { index: 1, time: 1, process: 1, type: 'invoke', f: 'enqueue', value: 'b' },
      { index: 2, time: 2, process: 1, type: 'ok', f: 'enqueue', value: 'b' },
      { index: 3, time: 3, process: 0, type: 'ok', f: 'enqueue', value: 'a' },
      { index: 4, time: 4, process: 2, type: 'invoke', f: 'drain', value: null },
      { index: 5, time: 5, process: 2, type: 'ok', f: 'drain', value: [{ element: 'b' }, { element: 'a' }], meta: { empty: true } },
    ];
    assert.equal(checkQueueOrder(h, true).valid, true);
  });
});

describe('queue-sequence checker (hand-made histories)', () => {
  const enq = (op: Parameters<Parameters<typeof historyOf>[0]>[0], p: number, element: string, seq: number) => op(p, 'enqueue', element, 'ok', element, { path: `/fl-queue/q/item-${String(seq).padStart(10, '0')}` });

  it('accepts suffixes that grow with enqueue order, with gaps (deletes count too)', () => {
    const h = historyOf((op) => {
      enq(op, 0, 'a', 0);
      enq(op, 1, 'b', 3);
      enq(op, 0, 'c', 4);
    });
    const r = checkQueueSequence(h);
    assert.equal(r.valid, true, r.summary);
    assert.equal(r.details!.enqueues, 3);
  });

  it('flags an enqueue whose suffix is below one acknowledged before it began (a reused suffix after a leader change)', () => {
    const h = historyOf((op) => {
      enq(op, 0, 'a', 5);
      enq(op, 1, 'b', 6);
      enq(op, 0, 'c', 2);
    });
    const r = checkQueueSequence(h);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /^c got suffix 2 \(.*\), not above the 6 of b, whose enqueue was acknowledged before c's began/);
    assert.equal(r.details!.inversions, 1);
  });

  it('flags a path handed out twice; concurrent enqueues may get their suffixes in either order', () => {
    const twice = historyOf((op) => {
      enq(op, 0, 'a', 1);
      enq(op, 1, 'b', 1);
    });
    assert.match(checkQueueSequence(twice).summary, /1 path handed out twice/);
    const concurrent: Op[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'enqueue', value: 'a' },
      { index: 1, time: 1, process: 1, type: 'invoke', f: 'enqueue', value: 'b' },
      { index: 2, time: 2, process: 1, type: 'ok', f: 'enqueue', value: 'b', meta: { path: '/q/item-0000000001' } },
      { index: 3, time: 3, process: 0, type: 'ok', f: 'enqueue', value: 'a', meta: { path: '/q/item-0000000002' } },
    ];
    assert.equal(checkQueueSequence(concurrent).valid, true);
  });
});

describe('queue scenarios on real ZooKeeper @integration', function () {
  this.timeout(240_000);
  const tmp = tempFolders('zkqueue');

  it('zk-queue-fifo (one consumer) with a partition and a kill: nothing lost or duplicated, FIFO held, progress after the faults', async () => {
    const schedule: PlannedFault[] = [
      { kind: 'partition-one', at: 1500, duration: 3000, pick: 0.2 },
      { kind: 'kill', at: 5500, duration: 2500, pick: 0.6 },
    ];
    // 5 s after the last fault: a killed leader is replaced and the producer reconnects in time for an
    // enqueue to be acknowledged even on a loaded machine (with 2 s, none was, once)
    const { result, history } = await runScenario({ scenario: 'zk-queue-fifo', seed: 11, timeLimit: 13, schedule, out: tmp() });
    assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks.map((c) => [c.checker, c.summary]))}`);
    const delivery = result.checks.find((c) => c.checker === 'queue-delivery')!;
    assert.equal(delivery.details!.drainedEmpty, true);
    // enough to judge, and progress after the faults (the count is throughput-bound: 48 on a loaded CI run)
    assert.ok((delivery.details!.enqueued as number) >= 30, `enqueued ${String(delivery.details!.enqueued)}`);
    const lastEnd = Math.max(...history.filter((o) => o.f === 'fault-end').map((o) => o.time));
    assert.ok(history.some((o) => o.f === 'enqueue' && o.type === 'ok' && o.time > lastEnd), 'an enqueue acknowledged after the faults');
    assert.deepEqual(history.filter((o) => o.f === 'fault-start').map((o) => (o.value as { fault: string }).fault), ['partition-one', 'kill']);
    assert.equal(result.checks.find((c) => c.checker === 'queue-order')!.details!.fifoRequired, true);
  });

  it('zk-queue-broken (a read counts as a take) exits 1 naming elements delivered twice', () => {
    const out = tmp();
    const r = spawnSync('npx', ['tsx', 'harness/cli.ts', 'scenario', 'zk-queue-broken', '--time-limit', '5', '--seed', '3', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /INVALID: queue broke its delivery promise: \d+ delivered twice/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    const delivery = result.checks.find((c: { checker: string }) => c.checker === 'queue-delivery');
    assert.ok(delivery.details.duplicated.length > 0);
  });
});
