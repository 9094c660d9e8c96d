// The leader-election checker on hand-made histories: clean handoffs with measured failovers, two
// live leaders, a stale leader that keeps claiming after it was told its session expired (not two
// live leaders, but a recipe bug), a failover slower than the bound, and views that do not converge.
import assert from 'node:assert/strict';
import type { Op } from '../harness/history/op.ts';
import { checkElection, termsOf } from '../harness/checker/recipes/election.ts';

class History {
  readonly ops: Op[] = [];
  private add(time: number, process: number, type: Op['type'], f: string, value: unknown = null, extra: Partial<Op> = {}): this {
    this.ops.push({ index: this.ops.length, time, process, type, f, value, ...extra });
    return this;
  }
  session(time: number, process: number, state: string, session: string) {
    return this.add(time, process, 'event', 'session', { state, session });
  }
  /** Candidate `process` (named p<process>) believes `leader` leads. */
  belief(time: number, process: number, leader: number | null, session: string, reason = 'watch') {
    const name = leader === null ? null : `p${leader}`;
    return this.add(time, process, 'event', 'leader', { leader: name, self: leader === process, session, reason });
  }
  resign(start: number, end: number, process: number) {
    return this.add(start, process, 'invoke', 'resign').add(end, process, 'ok', 'resign');
  }
  view(start: number, end: number, process: number, leader: number | null) {
    this.add(start, process, 'invoke', 'view');
    return leader === null ? this.add(end, process, 'fail', 'view', null, { error: 'knows no leader' }) : this.add(end, process, 'ok', 'view', { leader: `p${leader}`, self: leader === process });
  }
}

const opts = { sessionTimeoutMs: 4000, electionBoundMs: 8000 };
const start = () => new History()
  .session(0, 0, 'connected', 's0').session(0, 1, 'connected', 's1').session(0, 2, 'connected', 's2')
  .belief(10, 0, 0, 's0', 'joined').belief(12, 1, 0, 's1', 'joined').belief(14, 2, 0, 's2', 'joined');

describe('leader-election checker on hand-made histories', () => {
  it('accepts a resign handoff and a session-expiry failover, and measures them', () => {
    const h = start()
      .belief(1000, 0, null, 's0', 'resign').resign(1000, 1050, 0)
      .belief(1040, 1, 1, 's1').belief(1045, 2, 1, 's2').belief(1050, 0, 1, 's0', 'joined')
      // p1's server is cut off: it steps down at the disconnect, its session expires, p2 takes over
      .session(3000, 1, 'disconnected', 's1').belief(3000, 1, null, 's1', 'disconnected')
      .belief(8200, 2, 2, 's2').belief(8210, 0, 2, 's0')
      .session(11000, 1, 'expired', 's1').session(11100, 1, 'connected', 's1b').belief(11200, 1, 2, 's1b', 'joined')
      .view(15000, 15001, 0, 2).view(15000, 15001, 1, 2).view(15000, 15001, 2, 2);
    const r = checkElection(h.ops, opts);
    assert.equal(r.valid, true, r.summary);
    const failovers = r.details!.failovers as { previous: string; next: string; failoverMs: number; cause: string }[];
    assert.deepEqual(failovers.map((f) => [f.previous, f.next, f.failoverMs, f.cause]), [['p0', 'p1', 40, 'resigned'], ['p1', 'p2', 5200, 'session expired']]);
    assert.equal(r.details!.failoverMsMax, 5200);
    const leaders = r.details!.leaders as { leader: string; from: number; to: number | null }[];
    assert.deepEqual(leaders.map((l) => [l.leader, l.from, l.to]), [['p0', 10, 1000], ['p1', 1040, 3000], ['p2', 8200, null]]);
    assert.match(r.summary, /never two live leaders; 2 failovers, longest 5\.2 s; all 3 candidates agree on p2/);
  });

  it('flags two leaders among live sessions', () => {
    const h = start().belief(500, 1, 1, 's1').view(900, 901, 0, 0).view(900, 901, 1, 0).view(900, 901, 2, 0);
    const r = checkElection(h.ops, opts);
    assert.equal(r.valid, false);
    assert.match(r.summary, /p0 and p1 both led from 0\.5 s to the end while both their sessions were live/);
  });

  it('a leader that ignores its expiry is a stale claim (and its view diverges), not two live leaders', () => {
    const h = start()
      .session(3000, 0, 'disconnected', 's0') // p0 does not step down: it ignores session events
      .belief(8000, 1, 1, 's1').belief(8010, 2, 1, 's2')
      .session(11000, 0, 'expired', 's0')
      .view(15000, 15001, 0, 0).view(15000, 15001, 1, 1).view(15000, 15001, 2, 1);
    const [p0] = termsOf(h.ops);
    assert.deepEqual([p0.liveTo, p0.to], [3000, null], 'live until the disconnect, believed to the end');
    const r = checkElection(h.ops, opts);
    assert.equal(r.valid, false);
    const messages = r.violations!.map((v) => v.message);
    assert.ok(!messages.some((m) => /both led/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /p0 kept claiming leadership until the end of the run after it was told at 11\.0 s that its session s0 had expired/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /views did not converge: p0→p0, p1→p1, p2→p1/.test(m)), messages.join('\n'));
  });

  it('flags a failover slower than session timeout + election bound', () => {
    const h = start()
      .session(3000, 0, 'disconnected', 's0').belief(3000, 0, null, 's0', 'disconnected')
      .session(7000, 0, 'expired', 's0')
      .belief(16000, 1, 1, 's1').belief(16010, 2, 1, 's2')
      .view(20000, 20001, 1, 1).view(20000, 20001, 2, 1);
    const r = checkElection(h.ops, opts);
    assert.equal(r.valid, false);
    assert.match(r.summary, /after p0 stopped leading \(session expired\) at 3\.0 s, p1 led only 13\.0 s later: over the bound of 12\.0 s/);
  });

  it('flags a candidate that knows no leader after the heal', () => {
    const h = start().view(900, 901, 0, 0).view(900, 901, 1, 0).view(900, 6901, 2, null);
    const r = checkElection(h.ops, opts);
    assert.equal(r.valid, false);
    assert.match(r.summary, /did not converge: p0→p0, p1→p0, p2→unknown \(knows no leader\)/);
  });
});
