// The lock-recipe checkers on hand-made histories: a clean run, a real double hold by two live
// sessions, the fencing hazard of an expired-but-unaware holder (which must NOT count as a double
// hold, but must be reported with its token and the resource's rejection), and broken fencing.
import assert from 'node:assert/strict';
import type { Op } from '../harness/history/op.ts';
import { checkLockFencing, checkLockSafety, checkMutex, holdsOf } from '../harness/checker/recipes/lock.ts';
import { FencedResource, holdCycle } from '../harness/workloads/recipes/lock.ts';
import { Rng } from '../harness/rng.ts';

/** Builds a history in time order; each record gets the next index. */
class History {
  readonly ops: Op[] = [];
  private add(time: number, process: number, type: Op['type'], f: string, extra: Partial<Op> = {}): this {
    this.ops.push({ index: this.ops.length, time, process, type, f, value: null, ...extra });
    return this;
  }
  session(time: number, process: number, state: string, session: string) {
    return this.add(time, process, 'event', 'session', { value: { state, session } });
  }
  acquire(start: number, end: number, process: number, token: number, session: string) {
    return this.add(start, process, 'invoke', 'acquire').add(end, process, 'ok', 'acquire', { meta: { token, session, lockNode: `/fl-lock/lock-${token}` } });
  }
  invoke(time: number, process: number, f: string) {
    return this.add(time, process, 'invoke', f);
  }
  complete(time: number, process: number, type: 'ok' | 'fail' | 'info', f: string, meta?: Record<string, unknown>, error?: string) {
    return this.add(time, process, type, f, { ...(meta ? { meta } : {}), ...(error ? { error } : {}) });
  }
  use(start: number, end: number, process: number, token: number, accepted: boolean, highest: number) {
    this.invoke(start, process, 'use');
    return accepted ? this.complete(end, process, 'ok', 'use', { token, highest }) : this.complete(end, process, 'fail', 'use', { token, highest }, `fenced: token ${token} is below the highest the resource has seen (${highest})`);
  }
  release(start: number, end: number, process: number, type: 'ok' | 'fail' | 'info' = 'ok', error?: string) {
    return this.invoke(start, process, 'release').complete(end, process, type, 'release', undefined, error);
  }
}

const sessions = () => new History().session(0, 0, 'connected', 'sA').session(0, 1, 'connected', 'sB');

describe('lock checkers on hand-made histories', () => {
  it('accepts holds one after another, with the holders drawn as lanes', () => {
    const h = sessions()
      .acquire(10, 20, 0, 100, 'sA').use(21, 30, 0, 100, true, 100).release(31, 40, 0)
      .acquire(15, 45, 1, 102, 'sB').use(46, 50, 1, 102, true, 102).release(51, 60, 1);
    const safety = checkLockSafety(h.ops);
    assert.equal(safety.valid, true, safety.summary);
    const holders = safety.details!.holders as { process: number; from: number; to: number; token: number }[];
    assert.deepEqual(holders.map((x) => [x.process, x.from, x.to, x.token]), [[0, 20, 31, 100], [1, 45, 51, 102]]);
    assert.equal(checkMutex(h.ops).valid, true);
    const fencing = checkLockFencing(h.ops);
    assert.equal(fencing.valid, true, fencing.summary);
    assert.deepEqual(fencing.details!.hazards, []);
  });

  it('flags two live sessions holding at once (lock-safety and mutex linearizability)', () => {
    const h = sessions()
      .acquire(10, 20, 0, 100, 'sA').acquire(12, 25, 1, 102, 'sB')
      .release(40, 45, 0).release(50, 55, 1);
    const safety = checkLockSafety(h.ops);
    assert.equal(safety.valid, false);
    assert.match(safety.summary, /process 0 \(token 100\) and process 1 \(token 102\) both held the lock from 0\.0 s to 0\.0 s while both their sessions were live/);
    assert.deepEqual(safety.violations![0].ops, [2, 4]);
    const mutex = checkMutex(h.ops);
    assert.equal(mutex.valid, false);
    assert.equal(mutex.checker, 'mutex-linearizable');
  });

  it('reports an expired-but-unaware holder as a fencing hazard, not as a double hold', () => {
    // A holds with token 100, is cut off at 1 s; its session expires on the server; B acquires at 6 s
    // with token 102 and writes; A, not knowing, writes with 100 and is rejected; A learns at 9 s.
    const h = sessions()
      .acquire(10, 20, 0, 100, 'sA').use(30, 40, 0, 100, true, 100)
      .session(1000, 0, 'disconnected', 'sA')
      .acquire(500, 6000, 1, 102, 'sB').use(6010, 6050, 1, 102, true, 102)
      .use(7000, 7040, 0, 100, false, 102)
      .session(9000, 0, 'expired', 'sA')
      .release(9100, 9110, 0, 'fail', 'not holding')
      .release(9200, 9300, 1);
    const safety = checkLockSafety(h.ops);
    assert.equal(safety.valid, true, safety.summary);
    const [a] = holdsOf(h.ops);
    assert.deepEqual([a.liveTo, a.to, a.ended], [1000, 9000, 'session-expired']);
    assert.equal(checkMutex(h.ops).valid, true, 'the expiry counts as a release between 1 s and 9 s');
    const fencing = checkLockFencing(h.ops);
    assert.equal(fencing.valid, true, fencing.summary);
    assert.match(fencing.summary, /1 fencing hazard.*1 newer hold.*rejected 1 stale write/);
    const [hazard] = fencing.details!.hazards as Record<string, unknown>[];
    assert.equal(hazard.process, 0);
    assert.equal(hazard.token, 100);
    assert.equal(hazard.newToken, 102);
    assert.equal(hazard.sessionLostAt, 1000);
    assert.equal(hazard.staleWritesRejected, 1);
    assert.match(String(hazard.evidence), /rejected token 100: fenced: token 100 is below the highest the resource has seen \(102\)/);
  });

  it('an expired hold is released by the expiry even when the process later acquires and releases again', () => {
    // A's hold (token 100) ends by expiry; A reconnects with a new session, acquires 104, releases it
    const h = sessions()
      .acquire(10, 20, 0, 100, 'sA').release(2000, 3000, 0, 'fail', 'ConnectionLoss: not connected (not sent)')
      .session(1000, 0, 'disconnected', 'sA')
      .acquire(500, 6000, 1, 102, 'sB').release(6100, 6110, 1)
      .session(9000, 0, 'expired', 'sA').session(9010, 0, 'connected', 'sA2')
      .acquire(9100, 9200, 0, 104, 'sA2').release(9300, 9310, 0);
    const holds = holdsOf(h.ops);
    assert.deepEqual(holds.map((x) => [x.process, x.token, x.ended, x.liveTo]), [[0, 100, 'session-expired', 1000], [1, 102, 'released', 6100], [0, 104, 'released', 9300]]);
    assert.equal(checkMutex(h.ops).valid, true, checkMutex(h.ops).summary);
    assert.equal(checkLockSafety(h.ops).valid, true);
    const fencing = checkLockFencing(h.ops);
    assert.equal((fencing.details!.hazards as unknown[]).length, 1);
  });

  it('the same overlap is a real double hold when the first session never expired', () => {
    const h = sessions()
      .acquire(10, 20, 0, 100, 'sA')
      .session(1000, 0, 'disconnected', 'sA')
      .acquire(500, 6000, 1, 102, 'sB')
      .session(7000, 0, 'connected', 'sA')
      .release(9100, 9110, 0).release(9200, 9300, 1);
    assert.equal(checkLockSafety(h.ops).valid, false);
    assert.equal(checkMutex(h.ops).valid, false);
  });

  it('flags broken fencing: a lower token accepted after a higher one, and tokens out of queue order', () => {
    const h = sessions()
      .acquire(10, 20, 1, 102, 'sB').use(21, 30, 1, 102, true, 102).release(31, 40, 1)
      .acquire(35, 50, 0, 100, 'sA').use(51, 60, 0, 100, true, 102).release(61, 70, 0);
    const fencing = checkLockFencing(h.ops);
    assert.equal(fencing.valid, false);
    const messages = fencing.violations!.map((v) => v.message);
    assert.ok(messages.some((m) => /accepted token 100 from process 0 after it had accepted token 102/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /not granted in queue order/.test(m)), messages.join('\n'));
  });

  it('a hold whose release timed out (info) ends at the release invoke', () => {
    const h = sessions().acquire(10, 20, 0, 100, 'sA').release(30, 3000, 0, 'info', 'Timeout')
      .session(3001, 0, 'closed', 'sA').acquire(100, 3100, 1, 102, 'sB');
    assert.equal(checkLockSafety(h.ops).valid, true);
    assert.equal(checkMutex(h.ops).valid, true);
  });
});

describe('lock workload parts', () => {
  it('the fenced resource rejects a token below the highest it accepted', () => {
    const r = new FencedResource();
    assert.deepEqual(r.write(0, 5), { accepted: true, highest: 5 });
    assert.deepEqual(r.write(1, 7), { accepted: true, highest: 7 });
    assert.deepEqual(r.write(0, 5), { accepted: false, highest: 7 });
    assert.deepEqual(r.write(1, 7), { accepted: true, highest: 7 });
  });

  it('the generator cycles acquire, uses, release per worker and restarts for a new process', () => {
    const gen = holdCycle(2);
    const rng = new Rng(1);
    const fs = (process: number, n: number) => Array.from({ length: n }, () => gen({ process, worker: 0, time: 0, rng })!.f);
    assert.deepEqual(fs(0, 5), ['acquire', 'use', 'use', 'release', 'acquire']);
    assert.deepEqual(fs(7, 2), ['acquire', 'use']);
  });
});
