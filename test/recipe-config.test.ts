// The configuration-watch recipe: the pure checkers on hand-made histories (a watch firing twice,
// a configuration going backwards within a session, an invented configuration, a watcher that does
// not converge), then the scenarios on real ZooKeeper — the correct recipe passes under a partition
// and a pause, the watcher that never re-registers exits 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConfigConvergence, checkConfigMonotonic, checkWatchOnce } from '../harness/checker/recipes/config.ts';
import type { Op } from '../harness/history/op.ts';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import { runScenario } from '../harness/scenario/run.ts';
import { tempFolders } from './support/temp.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds a history: `write(v, type)` by process 0, `seen(p, v, reg, session)` a watch-fed read,
 *  `fired(p, reg, session)`, `read(p, v, session)`, `view(p, v, serverHolds)`. */
function builder() {
  const h: Op[] = [];
  let t = 0;
  const push = (op: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: (t += 10), ...op });
  const pair = (process: number, f: string, type: 'ok' | 'fail' | 'info', value: unknown, meta?: Record<string, unknown>) => {
    push({ process, type: 'invoke', f, value: null });
    push({ process, type, f, value, ...(meta ? { meta } : {}) });
  };
  return {
    h,
    write: (v: number, type: 'ok' | 'fail' | 'info' = 'ok') => pair(0, 'write', type, v, { session: 'w' }),
    seen: (p: number, value: number, registration: number, session = 's1') => push({ process: p, type: 'event', f: 'config', value: { value, registration, session } }),
    fired: (p: number, registration: number, session = 's1') => push({ process: p, type: 'event', f: 'watch', value: { registration, event: 'changed', session } }),
    read: (p: number, v: number, session = 's1') => pair(p, 'read', 'ok', v, { session }),
    view: (p: number, v: number | null, serverHolds: number, type: 'ok' | 'fail' = 'ok') => pair(p, 'view', type, v, { serverHolds }),
  };
}

describe('config checkers (hand-made histories)', () => {
  it('accepts a watcher that re-registers after each firing and ends on the last write', () => {
    const b = builder();
    b.seen(1, 0, 1);
    b.write(1);
    b.fired(1, 1);
    b.seen(1, 1, 2);
    b.write(2);
    b.read(1, 2);
    b.fired(1, 2);
    b.seen(1, 2, 3);
    b.view(1, 2, 2);
    assert.equal(checkWatchOnce(b.h).valid, true);
    assert.equal(checkConfigMonotonic(b.h).valid, true);
    const c = checkConfigConvergence(b.h);
    assert.equal(c.valid, true, c.summary);
    assert.equal(c.details!.lastWritten, 2);
    assert.ok(c.details!.notificationLatencyMs, 'notification latency measured');
  });

  it('flags a registration that fires twice', () => {
    const b = builder();
    b.seen(1, 0, 1);
    b.write(1);
    b.fired(1, 1);
    b.write(2);
    b.fired(1, 1);
    const r = checkWatchOnce(b.h);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /registration 1 of process 1 .* fired 2 times/);
    // the same registration number in a new session is a different registration
    const ok = builder();
    ok.fired(1, 1, 's1');
    ok.fired(1, 1, 's2');
    assert.equal(checkWatchOnce(ok.h).valid, true);
  });

  it('flags a firing without a change: nothing newer than what the registration read was being written', () => {
    const b = builder();
    b.write(1);
    b.write(2);
    b.seen(1, 2, 1);
    b.fired(1, 1);
    const r = checkWatchOnce(b.h);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /fired although no configuration newer than the 2 it read had been written/);
    const changed = builder();
    changed.seen(1, 2, 1);
    changed.write(3, 'info');
    changed.fired(1, 1);
    assert.equal(checkWatchOnce(changed.h).valid, true, 'an unknown write of 3 may be the change');
  });

  it('flags a configuration going backwards within a session, not across sessions', () => {
    const b = builder();
    b.write(1);
    b.write(2);
    b.seen(1, 2, 1);
    b.read(1, 1);
    const r = checkConfigMonotonic(b.h);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /saw configuration 1 \(read\) after 2 \(watch\) in the same session/);
    // the session answered in issue order (seq), whatever order the history recorded them in
    const reordered = builder();
    reordered.write(1);
    reordered.write(2);
    reordered.h.push({ index: reordered.h.length, time: 100, process: 1, type: 'event', f: 'config', value: { value: 2, registration: 1, session: 's1', seq: 2 } });
    reordered.h.push({ index: reordered.h.length, time: 101, process: 1, type: 'invoke', f: 'read', value: null });
    reordered.h.push({ index: reordered.h.length, time: 102, process: 1, type: 'ok', f: 'read', value: 1, meta: { session: 's1', seq: 1 } });
    assert.equal(checkConfigMonotonic(reordered.h).valid, true);
    reordered.h.push({ index: reordered.h.length, time: 103, process: 1, type: 'invoke', f: 'read', value: null });
    reordered.h.push({ index: reordered.h.length, time: 104, process: 1, type: 'ok', f: 'read', value: 1, meta: { session: 's1', seq: 3 } });
    assert.equal(checkConfigMonotonic(reordered.h).valid, false);
    const across = builder();
    across.write(1);
    across.write(2);
    across.seen(1, 2, 1, 's1');
    across.read(1, 1, 's2');
    assert.equal(checkConfigMonotonic(across.h).valid, true);
  });

  it('flags a configuration nobody wrote; an unknown write may have been seen', () => {
    const b = builder();
    b.write(1);
    b.write(2, 'info');
    b.write(3, 'fail');
    b.seen(1, 2, 1);
    assert.equal(checkConfigMonotonic(b.h).valid, true);
    b.read(1, 3);
    const r = checkConfigMonotonic(b.h);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /saw configuration 3, which no writer wrote/);
  });

  it('flags a watcher whose view froze; a watcher that could not look is unknown, not a violation', () => {
    const b = builder();
    b.seen(1, 0, 1);
    b.seen(2, 0, 1);
    b.write(1);
    b.fired(1, 1);
    b.seen(1, 1, 2);
    b.write(2);
    b.view(1, 1, 2);
    const r = checkConfigConvergence(b.h);
    assert.equal(r.valid, false);
    assert.match(r.summary, /1 of 1 watchers did not converge to the last configuration 2/);
    const blind = builder();
    blind.write(1);
    blind.view(1, null, 0, 'fail');
    assert.equal(checkConfigConvergence(blind.h).valid, 'unknown');
  });

  it('takes an unknown write that a watcher saw as the last configuration', () => {
    const b = builder();
    b.write(1);
    b.write(2, 'info');
    b.seen(1, 2, 1);
    b.view(1, 2, 2);
    assert.equal(checkConfigConvergence(b.h).valid, true);
  });
});

describe('config scenarios on real ZooKeeper @integration', function () {
  this.timeout(240_000);
  const tmp = tempFolders('zkconfig');

  it('zk-config with a partition and a pause: watches fire once, never backwards, every watcher converges', async () => {
    const schedule: PlannedFault[] = [
      { kind: 'partition-one', at: 1500, duration: 3000, pick: 0.3 },
      { kind: 'pause', at: 5500, duration: 2500, pick: 0.8 },
    ];
    const { result, history } = await runScenario({ scenario: 'zk-config', seed: 13, timeLimit: 10, schedule, out: tmp() });
    assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks.map((c) => [c.checker, c.summary]))}`);
    const conv = result.checks.find((c) => c.checker === 'config-convergence')!;
    assert.equal((conv.details!.views as unknown[]).length, 3);
    assert.ok((conv.details!.lastWritten as number) >= 10, `last written ${String(conv.details!.lastWritten)}`);
    assert.ok(history.filter((o) => o.f === 'watch').length >= 10, 'watches fired');
    assert.deepEqual(history.filter((o) => o.f === 'fault-start').map((o) => (o.value as { fault: string }).fault), ['partition-one', 'pause']);
  });

  it('zk-config-broken (no re-registration after a firing) exits 1 naming the frozen watchers', () => {
    const out = tmp();
    const r = spawnSync('npx', ['tsx', 'harness/cli.ts', 'scenario', 'zk-config-broken', '--time-limit', '4', '--seed', '3', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /INVALID: \d of \d watchers did not converge to the last configuration \d+/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    const conv = result.checks.find((c: { checker: string }) => c.checker === 'config-convergence');
    assert.equal(conv.valid, false);
    assert.ok(conv.details.views.every((v: { converged: boolean }) => !v.converged));
  });
});
