// The clock checkers on small histories with known answers: session expiries against the timeout,
// whether clock faults were felt (and each node's offset over time), and harakiri across clock
// steps judged by what the stack's harakiri claims to read.
import assert from 'node:assert/strict';
import { checkClockFaults, clockTimeline } from '../harness/checker/clock-faults.ts';
import { checkHarakiriClock } from '../harness/checker/http/harakiri-clock.ts';
import { checkSessionExpiry } from '../harness/checker/recipes/session-expiry.ts';
import { NEMESIS, type Op } from '../harness/history/op.ts';

/** Builds a history from records without indices. */
function history(records: Omit<Op, 'index'>[]): Op[] {
  return records.map((r, index) => ({ ...r, index }));
}

const clockFault = (time: number, f: 'fault-start' | 'fault-end', detail: Record<string, unknown>, node = 'app'): Omit<Op, 'index'> =>
  ({ time, process: NEMESIS, type: 'event', f, value: { fault: 'clock-jump', id: '0', targets: [node], detail: { node, ...detail } }, node });

describe('session-expiry checker', () => {
  const bounds = { sessionTimeoutMs: 4000, toleranceMs: 500 };
  const sessionLife = (expiredAt: number) => history([
    { time: 0, process: 0, type: 'event', f: 'session', value: { state: 'connected', session: 's1' } },
    { time: 1000, process: 0, type: 'invoke', f: 'read', value: null, key: 'k0' },
    { time: 1010, process: 0, type: 'ok', f: 'read', value: 3, key: 'k0', meta: { session: 's1' } },
    { time: expiredAt, process: 0, type: 'event', f: 'session', value: { state: 'expired', session: 's1' } },
  ]);

  it('an expiry learned 500 ms after the session\'s last acknowledged op is early by 3.5 s', () => {
    const r = checkSessionExpiry(sessionLife(1500), bounds);
    assert.equal(r.valid, false);
    assert.equal(r.metrics?.earliestByMs, 3500);
  });

  it('an expiry learned 5 s after it is not early', () => {
    const r = checkSessionExpiry(sessionLife(6000), bounds);
    assert.equal(r.valid, true, r.summary);
    assert.equal(r.metrics?.expiries, 1);
  });

  /** An idle session: one read at 1 s, then only pings; the last one its server answered was sent
   *  `answeredAgo` ms before the client learned of the expiry at 8 s. */
  const idleSession = (answeredAgo: number) => history([
    ...sessionLife(8000).slice(0, 3),
    { time: 8000, process: 0, type: 'event', f: 'session', value: { state: 'expired', session: 's1', lastAnsweredMsAgo: answeredAgo } },
  ]);

  it('with evidence \'answers\', an idle session expired 300 ms after its server answered a ping is early', () => {
    const r = checkSessionExpiry(idleSession(300), { ...bounds, evidence: 'answers' });
    assert.equal(r.valid, false);
    assert.equal(r.metrics?.earliestByMs, 3700);
    assert.match(r.violations![0].message, /after the last request its server answered was sent/);
  });

  it('answers count only as evidence when asked: by ops alone the same expiry came 7 s after the last op', () => {
    const r = checkSessionExpiry(idleSession(300), bounds);
    assert.equal(r.valid, true, r.summary);
  });

  it('an answer older than the last ok op does not move the evidence back', () => {
    const r = checkSessionExpiry(history([...sessionLife(1500).slice(0, 3),
      { time: 1500, process: 0, type: 'event', f: 'session', value: { state: 'expired', session: 's1', lastAnsweredMsAgo: 5000 } }]), { ...bounds, evidence: 'answers' });
    assert.equal(r.metrics?.earliestByMs, 3500);
    assert.equal((r.details!.expiries as { heardBy: string }[])[0].heardBy, 'op');
  });
});

describe('clock-faults checker', () => {
  it('a run without clock faults tells nothing about clocks', () => {
    assert.equal(checkClockFaults([]).valid, 'unknown');
  });

  it('says a fault on a node that reads no wall clock was not felt, and draws the offset steps', () => {
    const h = history([
      clockFault(1000, 'fault-start', { fromMs: 0, offsetMs: -60_000, felt: false, reads: [] }, 'n1'),
      clockFault(5000, 'fault-end', {}, 'n1'),
    ]);
    const r = checkClockFaults(h);
    assert.equal(r.valid, true);
    assert.equal(r.metrics?.notFelt, 1);
    assert.match(r.summary, /none felt/);
    assert.deepEqual(clockTimeline(h).map((s) => [s.node, s.time, s.offsetMs]), [['n1', 1000, -60_000], ['n1', 5000, 0]]);
  });
});

describe('harakiri-clock checker', () => {
  const H = { expectHarakiri: 2, harakiriSlackMs: 3000 };
  /** A 1 s request in flight at a +60 s step of the app's clock, answered 502 (killed). */
  const killedAtStep = (felt: boolean) => history([
    { time: 500, process: 0, type: 'invoke', f: 'slow', value: { rid: 'r0', method: 'GET', path: '/sleep?ms=1000', stallMs: 1000, totalMs: 1000 } },
    clockFault(1000, 'fault-start', { fromMs: 0, offsetMs: 60_000, felt, reads: felt ? ['harakiri deadlines'] : [] }),
    { time: 1050, process: 0, type: 'fail', f: 'slow', value: null, meta: { rid: 'r0', status: 502, ms: 550, bytes: 0, t0: 0, t1: 550 } },
    clockFault(5000, 'fault-end', {}),
  ]);

  it('a short request killed at a forward step is a violation when harakiri claims a monotonic clock', () => {
    const r = checkHarakiriClock(killedAtStep(false), H);
    assert.equal(r.valid, false);
    assert.match(r.summary, /forward step of app's wall clock/);
  });

  it('the same kill is a measured hazard when harakiri reads the wall clock', () => {
    const r = checkHarakiriClock(killedAtStep(true), H);
    assert.equal(r.valid, true, r.summary);
    assert.equal(r.metrics?.killsOfShort, 1);
    assert.equal(r.metrics?.forwardSteps, 1);
  });

  it('without a step of the app\'s clock it cannot judge', () => {
    assert.equal(checkHarakiriClock([], H).valid, 'unknown');
  });
});
