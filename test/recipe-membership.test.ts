// The group-membership recipe: the pure checkers on hand-made histories (a killed member listed
// past session timeout + bound, a member that left still listed, a member cut off by a long
// partition of its server, a live member missing from a list), then the scenario on real ZooKeeper
// with member processes that are really SIGKILLed, under a partition and a pause; the broken variant
// (persistent member nodes) exits 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkMembershipPresence, checkMembershipRemoval } from '../harness/checker/recipes/membership.ts';
import { NEMESIS, type Op } from '../harness/history/op.ts';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import { runScenario } from '../harness/scenario/run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BOUNDS = { sessionTimeoutMs: 4000, removalBoundMs: 2000 };

/** Ops at explicit times; records are sorted by time before indexing. */
function builder() {
  const raw: Omit<Op, 'index'>[] = [];
  const pair = (process: number, f: string, [from, to]: [number, number], value: unknown, node?: string) => {
    raw.push({ time: from, process, type: 'invoke', f, value: null }, { time: to, process, type: 'ok', f, value, ...(node ? { node } : {}) });
  };
  return {
    join: (p: number, member: string, at: [number, number], node = 'n1') => pair(p, 'join', at, { member }, node),
    hold: (p: number, member: string, at: [number, number]) => pair(p, 'hold', at, { member }),
    list: (at: [number, number], members: string[]) => pair(0, 'list', at, members),
    ended: (p: number, member: string, time: number, state: 'killed' | 'left' | 'expired') => raw.push({ time, process: p, type: 'event', f: 'member', value: { member, state } }),
    fault: (fault: string, targets: string[], [from, to]: [number, number]) => {
      raw.push({ time: from, process: NEMESIS, type: 'event', f: 'fault-start', value: { fault, id: fault, targets } });
      raw.push({ time: to, process: NEMESIS, type: 'event', f: 'fault-end', value: { fault, id: fault, targets } });
    },
    history: (): Op[] => raw.sort((a, b) => a.time - b.time).map((op, index) => ({ index, ...op })),
  };
}

describe('membership checkers (hand-made histories)', () => {
  it('accepts a killed member gone within session timeout + bound and a member that left gone at once', () => {
    const b = builder();
    b.join(1, 'm1-1', [0, 100]);
    b.join(2, 'm2-1', [0, 100]);
    b.list([200, 210], ['m1-1', 'm2-1']);
    b.ended(1, 'm1-1', 1000, 'killed');
    b.ended(2, 'm2-1', 1000, 'left');
    b.list([1500, 1510], ['m1-1']);
    b.list([5500, 5510], []);
    const r = checkMembershipRemoval(b.history(), BOUNDS);
    assert.equal(r.valid, true, r.summary);
    const rows = r.details!.members as { member: string; goneWithinMs: number; lastListedMs: number | null }[];
    assert.equal(rows.find((x) => x.member === 'm1-1')!.goneWithinMs, 4510);
    assert.equal(rows.find((x) => x.member === 'm2-1')!.goneWithinMs, 510);
  });

  it('flags a killed member still listed after session timeout + bound', () => {
    const b = builder();
    b.join(1, 'm1-1', [0, 100]);
    b.ended(1, 'm1-1', 1000, 'killed');
    b.list([6000, 6010], ['m1-1']);
    b.list([7100, 7110], ['m1-1']);
    const r = checkMembershipRemoval(b.history(), BOUNDS);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /member m1-1 was still listed 6100 ms after it was killed \(allowed: 6000 ms\)/);
  });

  it('a fault before the deadline moves it to the fault\'s end + bound (a new leader renews every session)', () => {
    const b = builder();
    b.join(1, 'm1-1', [0, 100], 'n1');
    b.ended(1, 'm1-1', 1000, 'killed');
    b.fault('partition-leader', ['n3'], [5000, 9000]);
    b.list([12000, 12010], ['m1-1']);
    const r = checkMembershipRemoval(b.history(), BOUNDS);
    assert.equal(r.valid, true, r.summary);
    assert.equal((r.details!.members as { delayedBy: string }[])[0].delayedBy, 'partition-leader');
    b.list([15100, 15110], ['m1-1']);
    const late = checkMembershipRemoval(b.history(), BOUNDS);
    assert.equal(late.valid, false);
    assert.match(late.violations![0].message, /still listed 14100 ms after it was killed \(allowed: 14000 ms, allowing for partition-leader\)/);
  });

  it('flags a member that closed its session still listed a second later', () => {
    const b = builder();
    b.join(1, 'm1-1', [0, 100]);
    b.ended(1, 'm1-1', 1000, 'left');
    b.list([2500, 2510], ['m1-1']);
    assert.equal(checkMembershipRemoval(b.history(), BOUNDS).valid, false);
  });

  it('a member whose server is cut off longer than the bound must be gone by cut + bound; a short cut promises nothing', () => {
    const long = builder();
    long.join(1, 'm1-1', [0, 100], 'n2');
    long.fault('partition-one', ['n2'], [1000, 9000]);
    long.list([8000, 8010], ['m1-1']);
    const r = checkMembershipRemoval(long.history(), BOUNDS);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /cut off \(partition-one of n2\)/);
    const short = builder();
    short.join(1, 'm1-1', [0, 100], 'n2');
    short.fault('partition-one', ['n2'], [1000, 4000]);
    short.list([8000, 8010], ['m1-1']);
    assert.equal(checkMembershipRemoval(short.history(), BOUNDS).valid, true);
    const elsewhere = builder();
    elsewhere.join(1, 'm1-1', [0, 100], 'n1');
    elsewhere.fault('partition-one', ['n2'], [1000, 9000]);
    elsewhere.list([8000, 8010], ['m1-1']);
    assert.equal(checkMembershipRemoval(elsewhere.history(), BOUNDS).valid, true);
  });

  it('presence: a member proven alive around a list must be in it; without proof nothing is judged', () => {
    const b = builder();
    b.join(1, 'm1-1', [0, 100]);
    b.list([200, 210], ['m1-1']);
    b.list([300, 310], []);
    b.hold(1, 'm1-1', [400, 450]);
    const r = checkMembershipPresence(b.history(), BOUNDS);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /member m1-1 was missing from a list although its node existed throughout it/);
    const unproven = builder();
    unproven.join(1, 'm1-1', [0, 100]);
    unproven.hold(1, 'm1-1', [150, 190]);
    unproven.list([300, 310], []);
    assert.equal(checkMembershipPresence(unproven.history(), BOUNDS).valid, 'unknown');
  });
});

describe('membership scenario on real ZooKeeper @integration', function () {
  this.timeout(240_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('zk-membership with a partition and a pause: killed member processes disappear within session timeout + bound, live ones stay listed', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'fl-zkmember-'));
    dirs.push(out);
    const schedule: PlannedFault[] = [
      { kind: 'partition-one', at: 1500, duration: 3000, pick: 0.4 },
      { kind: 'pause', at: 5500, duration: 2500, pick: 0.9 },
    ];
    const { result, history } = await runScenario({ scenario: 'zk-membership', seed: 19, timeLimit: 10, schedule, out });
    assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks.map((c) => [c.checker, c.summary]))}`);
    const removal = result.checks.find((c) => c.checker === 'membership-removal')!;
    const rows = removal.details!.members as { how: string; goneWithinMs: number | null }[];
    assert.ok(rows.filter((r) => r.how === 'killed').length >= 2, `killed members: ${JSON.stringify(rows)}`);
    const killed = removal.details!.killedGoneWithinMs as { median: number } | undefined;
    assert.ok(killed && killed.median >= 1000, `a killed member's node lingers until its session expires: ${JSON.stringify(killed)}`);
    assert.equal(result.checks.find((c) => c.checker === 'membership-presence')!.valid, true);
    assert.deepEqual(history.filter((o) => o.f === 'fault-start').map((o) => (o.value as { fault: string }).fault), ['partition-one', 'pause']);
  });

  it('zk-membership-broken (persistent member nodes) exits 1 naming dead members still listed', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'fl-zkmember-'));
    dirs.push(out);
    const r = spawnSync('npx', ['tsx', 'harness/cli.ts', 'scenario', 'zk-membership-broken', '--seed', '3', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /INVALID: \d+ ended members were still listed past the bound \(first: member m\d+-\d+ was still listed \d+ ms after it (was killed|closed its session)/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.equal(result.checks.find((c: { checker: string }) => c.checker === 'membership-removal').valid, false);
  });
});
