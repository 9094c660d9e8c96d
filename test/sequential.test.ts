// The plain-read checker on hand-made histories: what ZooKeeper allows (stale reads from a lagging
// server) must pass; what it forbids (time going backwards in a session, values nobody wrote, values
// that contradict the zxid they came with) must be flagged with the ops involved.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkSequential } from '../harness/checker/sequential.ts';
import type { Op } from '../harness/history/op.ts';

/** A tiny history builder: each call appends invoke + completion at the next time steps. */
class H {
  readonly ops: Op[] = [];
  private t = 0;
  private push(op: Omit<Op, 'index' | 'time'>, time?: number): void {
    this.ops.push({ index: this.ops.length, time: time ?? this.t++, ...op });
  }
  invoke(process: number, f: string, value: unknown, key = 'k0'): this {
    this.push({ process, type: 'invoke', f, value, key });
    return this;
  }
  ok(process: number, f: string, value: unknown, zxid?: number, key = 'k0', session?: string): this {
    const meta: Record<string, unknown> = {};
    if (zxid !== undefined) meta.zxid = zxid;
    if (session !== undefined) meta.session = session;
    this.push({ process, type: 'ok', f, value, key, meta });
    return this;
  }
  info(process: number, f: string, value: unknown, key = 'k0'): this {
    this.push({ process, type: 'info', f, value, key });
    return this;
  }
  /** A complete op (invoke then ok) with no other op in between. */
  op(process: number, f: string, value: unknown, result: unknown, zxid?: number, key = 'k0'): this {
    return this.invoke(process, f, value, key).ok(process, f, result, zxid, key);
  }
}

describe('sequential checker (plain ZooKeeper reads)', () => {
  it('accepts a stale read from a lagging server and counts it', () => {
    const h = new H()
      .op(0, 'write', 1, 1, 10)
      .op(0, 'write', 2, 2, 11)
      .op(1, 'read', null, 1, 10); // process 1 reads the older value after write 2 completed
    const r = checkSequential(h.ops);
    assert.equal(r.valid, true, r.summary);
    assert.equal(r.details?.staleReads, 1);
  });

  it('accepts reads of the initial nil and a cas that reads its own write', () => {
    const h = new H()
      .op(0, 'read', null, null, 5)
      .op(0, 'write', 3, 3, 12)
      .op(0, 'cas', [3, 4], [3, 4], 13)
      .op(0, 'read', null, 4, 13);
    const r = checkSequential(h.ops);
    assert.equal(r.valid, true, r.summary);
    assert.equal(r.details?.readsWithZxid, 2);
  });

  it('flags a session that goes back in time on one key', () => {
    const h = new H()
      .op(0, 'write', 1, 1, 10)
      .op(0, 'write', 2, 2, 11)
      .op(1, 'read', null, 2, 11)
      .op(1, 'read', null, 1, 10);
    const r = checkSequential(h.ops);
    assert.equal(r.valid, false);
    assert.match(r.summary, /went back in time/);
    assert.deepEqual(r.violations?.[0].ops, [6, 7, 4, 5]);
  });

  it('flags a read that misses the session\'s own write (read-your-writes)', () => {
    const h = new H()
      .op(1, 'write', 1, 1, 10)
      .op(0, 'write', 7, 7, 20)
      .op(0, 'read', null, 1, 10);
    const r = checkSequential(h.ops);
    assert.equal(r.valid, false);
    assert.match(r.summary, /went back in time/);
  });

  it('flags a read on another key that misses a write below the session\'s frontier', () => {
    const h = new H()
      .op(2, 'write', 9, 9, 30, 'a')
      .op(0, 'write', 1, 1, 10, 'b')
      .op(0, 'write', 2, 2, 11, 'b')
      .op(1, 'read', null, 9, 30, 'a')
      .op(1, 'read', null, 1, 10, 'b'); // session 1 is at zxid 30, yet misses b=2 written at 11
    const r = checkSequential(h.ops);
    assert.equal(r.valid, false);
    assert.match(r.summary, /already seen zxid 30.*zxid 11/);
  });

  it('flags a value nobody wrote', () => {
    const h = new H().op(0, 'write', 1, 1, 10).op(1, 'read', null, 5, 10);
    const r = checkSequential(h.ops);
    assert.equal(r.valid, false);
    assert.match(r.summary, /no write had put there|wrote 1/);
  });

  it('flags a value that contradicts the write its zxid belongs to', () => {
    const h = new H().op(0, 'write', 1, 1, 10).op(0, 'write', 2, 2, 11).op(1, 'read', null, 2, 10);
    const r = checkSequential(h.ops);
    assert.equal(r.valid, false);
    assert.match(r.summary, /write with that zxid .* wrote 1/);
  });

  it('flags a read from a write invoked only after the read returned', () => {
    const h = new H().op(1, 'read', null, 4, 10).op(0, 'write', 4, 4, 10);
    const r = checkSequential(h.ops);
    assert.equal(r.valid, false);
  });

  it('accepts a value from a write whose outcome is unknown', () => {
    const h = new H().invoke(0, 'write', 6).info(0, 'write', 6).op(1, 'read', null, 6, 40);
    assert.equal(checkSequential(h.ops).valid, true);
  });

  it('does not accept a value from a write that certainly failed', () => {
    const h = new H().invoke(0, 'cas', [1, 6]);
    h.ops.push({ index: h.ops.length, time: 10, process: 0, type: 'fail', f: 'cas', value: [1, 6], key: 'k0', error: 'BadVersion' });
    h.op(1, 'read', null, 6, 40);
    assert.equal(checkSequential(h.ops).valid, false);
  });

  it('keeps sessions apart: a new session of the same process may start behind', () => {
    const h = new H()
      .op(0, 'write', 1, 1, 10)
      .op(0, 'write', 2, 2, 11)
      .invoke(1, 'read', null).ok(1, 'read', 2, 11, 'k0', 's1')
      .invoke(1, 'read', null).ok(1, 'read', 1, 10, 'k0', 's2');
    assert.equal(checkSequential(h.ops).valid, true);
    const sameSession = new H()
      .op(0, 'write', 1, 1, 10)
      .op(0, 'write', 2, 2, 11)
      .invoke(1, 'read', null).ok(1, 'read', 2, 11, 'k0', 's1')
      .invoke(1, 'read', null).ok(1, 'read', 1, 10, 'k0', 's1');
    assert.equal(checkSequential(sameSession.ops).valid, false);
  });

  it('says unknown when no read completed', () => {
    const h = new H().op(0, 'write', 1, 1, 10);
    assert.equal(checkSequential(h.ops).valid, 'unknown');
  });
});

/**
 * A small model of ZooKeeper: a leader log of writes (zxid = position + 1), replicas that apply a
 * prefix of it, sessions pinned to a replica. A write's reply reaches the session only after its
 * replica applied it; reads answer from the replica. Every history it produces is sequentially
 * consistent, stale reads included.
 */
type Step = { session: number; action: 'write' | 'read' | 'sync'; key: number; value: number };
function simulate(steps: Step[], replicas = 3): Op[] {
  const log: { key: string; value: number }[] = [];
  const applied = Array.from({ length: replicas }, () => 0);
  const ops: Op[] = [];
  let t = 0;
  const record = (process: number, type: 'invoke' | 'ok', f: string, value: unknown, key: string, meta?: Record<string, unknown>) =>
    ops.push({ index: ops.length, time: t++, process, type, f, value, key, ...(meta ? { meta } : {}) });
  for (const { session, action, key: k, value } of steps) {
    const r = session % replicas;
    const key = `k${k}`;
    if (action === 'sync') {
      applied[r] = log.length; // the replica catches up (no op recorded)
    } else if (action === 'write') {
      record(session, 'invoke', 'write', value, key);
      log.push({ key, value });
      applied[r] = log.length;
      record(session, 'ok', 'write', value, key, { zxid: log.length });
    } else {
      record(session, 'invoke', 'read', null, key);
      let zxid = 0, v: number | null = null;
      for (let i = 0; i < applied[r]; i++) if (log[i].key === key) { zxid = i + 1; v = log[i].value; }
      record(session, 'ok', 'read', v, key, { zxid });
    }
  }
  return ops;
}

const steps = fc.array(fc.record({
  session: fc.integer({ min: 0, max: 5 }),
  action: fc.constantFrom<Step['action']>('write', 'read', 'read', 'sync'),
  key: fc.integer({ min: 0, max: 1 }),
  value: fc.integer({ min: 0, max: 3 }),
}), { minLength: 1, maxLength: 60 });

describe('sequential checker against a model of lagging replicas', () => {
  it('accepts every history the model produces, stale reads included', () => {
    fc.assert(fc.property(steps, (s) => {
      const r = checkSequential(simulate(s));
      return r.valid !== false;
    }), { numRuns: 300 });
  });

  it('rejects a model history once a session is made to read an older zxid than it already saw', () => {
    fc.assert(fc.property(steps, fc.nat(), (s, pick) => {
      const ops = simulate(s);
      // a session that saw a zxid on a key for which an older write exists
      const seen = ops.filter((o) => o.type === 'ok' && (o.meta!.zxid as number) > 0);
      const candidates = seen.flatMap((o) => ops
        .filter((w) => w.type === 'ok' && w.f === 'write' && w.key === o.key && (w.meta!.zxid as number) < (o.meta!.zxid as number))
        .map((w) => ({ o, w })));
      fc.pre(candidates.length > 0);
      const { o, w } = candidates[pick % candidates.length];
      const t = ops.length;
      ops.push({ index: t, time: t, process: o.process, type: 'invoke', f: 'read', value: null, key: o.key });
      ops.push({ index: t + 1, time: t + 1, process: o.process, type: 'ok', f: 'read', value: w.value, key: o.key, meta: { zxid: w.meta!.zxid } });
      return checkSequential(ops).valid === false;
    }), { numRuns: 300 });
  });
});
