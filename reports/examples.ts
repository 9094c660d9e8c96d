// Hand-made example runs: a linearizable run and a violating run with a counterexample, nemesis windows
// and one result per kind of checker the report draws. Tests open their reports in a real browser, the
// report README points at them, and `npx tsx reports/examples.ts DIR` writes them for a look by hand.
import path from 'node:path';
import type { Op } from '../harness/history/op.ts';
import type { CheckResult, RunResult } from '../harness/checker/result.ts';
import { writeRunFolder } from './synthetic.ts';

type OpIn = Omit<Op, 'index'>;

/** A steady background register workload over `ms`, with a partition and a kill, after `from`. */
function background(from: number, ms: number, processes: number[]): OpIn[] {
  const out: OpIn[] = [];
  let value = 10;
  for (let t = from; t < from + ms; t += 40) {
    const p = processes[Math.floor(t / 40) % processes.length];
    const f = (t / 40) % 3 === 0 ? 'write' : 'read';
    const lat = 3 + ((t * 7) % 23) + (t > from + 4000 && t < from + 7000 ? 60 : 0);
    out.push({ time: t, process: p, type: 'invoke', f, value: f === 'write' ? ++value : null });
    const fails = (t / 40) % 37 === 5;
    out.push({ time: t + lat, process: p, type: fails ? 'fail' : 'ok', f, value: f === 'write' ? value : value, ...(fails ? { error: 'not the leader' } : {}) });
  }
  out.push({ time: from + 4000, process: 'nemesis', type: 'event', f: 'fault-start', value: { fault: 'partition', id: 'bg-1', targets: ['n3'], detail: { isolated: ['n3'] } } });
  out.push({ time: from + 7000, process: 'nemesis', type: 'event', f: 'fault-end', value: { fault: 'partition', id: 'bg-1', targets: ['n3'] } });
  out.push({ time: from + 9000, process: 'nemesis', type: 'event', f: 'fault-start', value: { fault: 'kill', id: 'bg-2', targets: ['n2'] } });
  out.push({ time: from + 10500, process: 'nemesis', type: 'event', f: 'fault-end', value: { fault: 'kill', id: 'bg-2', targets: ['n2'] } });
  return out;
}

const indexed = (ops: OpIn[]): Op[] => ops.sort((a, b) => a.time - b.time).map((op, index) => ({ ...op, index }) as Op);

/** The stale-read core of the violating run: p0 reads 1 after p1's write of 2 completed, during a partition. */
function staleReadCore(text: (s: string) => string): OpIn[] {
  return [
    { time: 0, process: 0, type: 'invoke', f: 'write', value: 1, node: 'n1' },
    { time: 6, process: 0, type: 'ok', f: 'write', value: 1 },
    { time: 10, process: 'nemesis', type: 'event', f: 'fault-start', value: { fault: text('partition'), id: 'p-1', targets: ['n1'], detail: { isolated: ['n1'], majority: ['n2', 'n3'] } } },
    { time: 12, process: 1, type: 'invoke', f: 'write', value: 2, node: 'n2' },
    { time: 14, process: 2, type: 'invoke', f: 'read', value: null, node: 'n3' },
    { time: 31, process: 1, type: 'ok', f: 'write', value: 2 },
    { time: 35, process: 2, type: 'ok', f: 'read', value: 1 },
    { time: 40, process: 0, type: 'invoke', f: 'read', value: null, node: 'n1' },
    { time: 47, process: 0, type: 'ok', f: 'read', value: 1, meta: { note: text('served by the isolated node n1') } },
    { time: 50, process: 3, type: 'invoke', f: 'cas', value: [2, 3], node: 'n1' },
    { time: 52, process: 4, type: 'invoke', f: 'write', value: 5, node: 'n2' },
    { time: 58, process: 4, type: 'fail', f: 'write', value: 5, error: text('connection loss') },
    { time: 560, process: 3, type: 'info', f: 'cas', value: [2, 3], error: text('timeout after 500 ms') },
    { time: 640, process: 1, type: 'event', f: 'session', value: { state: text('expired'), session: '0x12' } },
    { time: 700, process: 'nemesis', type: 'event', f: 'fault-end', value: { fault: text('partition'), id: 'p-1', targets: ['n1'] } },
  ];
}

const requests = Array.from({ length: 60 }, (_, k) => ({ start: k * 200, end: k * 200 + (k % 10 === 3 ? 3600 : k === 26 ? 2100 : 40 + (k % 7) * 30), status: k % 10 === 3 || k === 26 ? 502 : k === 40 ? 504 : 200, pid: 4100 + (k % 3), kind: 'GET /slow' }));

function otherChecks(text: (s: string) => string, lockOps: number[]): CheckResult[] {
  return [
    { checker: 'lock-safety', valid: false, summary: text('Two sessions held /lock at once for 1.4 s after session 0x12 expired.'),
      violations: [{ message: text('process 5 and process 6 both held the lock from 4.6 s to 6.0 s'), ops: lockOps, time: 4600 }],
      details: { holders: [{ process: 5, from: 1000, to: 6000, token: 101 }, { process: 6, from: 4600, to: 8200, token: 107 }, { process: 7, from: 8300, to: null, token: 112 }] } },
    { checker: 'leader-election', valid: true, summary: 'At most one leader at any moment; failover took 3.1 s.',
      details: { leaders: [{ leader: 'n1', from: 0, to: 4100 }, { leader: 'n2', from: 7200, to: 12000 }], failoverMs: 3100 } },
    { checker: 'harakiri', valid: false, summary: 'A request shorter than harakiri (2.1 s < 3 s) was killed with 502.',
      violations: [{ message: 'request r17 took 2.1 s and got 502 although harakiri is 3 s', time: 5200 }],
      details: {
        requests,
        deadlines: { harakiri: 3000, 'nginx read timeout': 4000 }, kills: [{ time: 3400, pid: 4100, reason: 'HARAKIRI ON WORKER 1' }] } },
    { checker: 'timeout', valid: true, summary: '1 request answered 504 after 4.0 s (read timeout 4 s); no early 504.', details: { readTimeoutMs: 4000, requests } },
    { checker: 'recycling', valid: true, summary: 'Every worker was replaced after max-requests (20) and no request was cut.',
      details: { workers: { 4100: 20, 4101: 20, 4102: 13, 4107: 7 }, maxRequests: 20 } },
    { checker: text('queue'), valid: 'unknown', summary: text('3 deliveries could not be attributed (consumer timed out).'),
      details: { enqueued: 120, delivered: 117, lost: [], duplicated: [], unattributed: [{ element: 'e-41', op: 9 }, { element: text('e-77'), op: 10 }] } },
  ];
}

export interface ExampleOptions {
  /** Replace every free-text value with this hostile markup (escaping tests). */
  hostile?: string;
}

export function violatingRun(opts: ExampleOptions = {}): { history: Op[]; result: RunResult; logs: Record<string, string> } {
  const text = (s: string) => (opts.hostile ? `${s} ${opts.hostile}` : s);
  const core = staleReadCore(text);
  const history = indexed([...core, ...background(1000, 12000, [5, 6, 7])]);
  if (opts.hostile) for (const op of history) if (op.process === 6) { op.process = text('p6'); if (op.type === 'invoke' && op.f === 'read') op.key = text('k'); }
  const counterexample = {
    ops: history.filter((op) => op.time <= 560 && op.process !== 'nemesis'), longestPrefix: [0, 4, 3], failingOp: 7,
    candidates: [
      { order: [0, 4, 3, 7], state: text('2'), rejected: text('read 1, but the register holds 2') },
      { order: [0, 3, 4, 7], state: '2', rejected: 'p2 read 1, but the register holds 2' },
      { order: [0, 3, 9, 7], state: '3', rejected: 'cas [2 3] took effect; p0 read 1, but the register holds 3' },
    ],
  };
  const lockOps = history.filter((o) => o.type === 'invoke' && o.time >= 4600 && o.time < 4720).map((o) => o.index);
  const lin: CheckResult = {
    checker: 'linearizable', valid: false, summary: text('p0 read 1 at 0.047 s after p1\'s write of 2 completed at 0.031 s: no order of the ops explains it.'),
    violations: [{ message: text('stale read: process 0 read 1 after write 2 completed'), ops: [7, 8, 5], time: 47 }],
    details: { model: 'cas-register', ops: history.length, elapsedMs: 12.5, peakRssMb: 88, counterexample },
  };
  const result: RunResult = {
    scenario: text('zk-register-partition'), target: 'zk-lite', runtime: 'local', seed: 42, nodes: 3,
    startedAt: '2026-11-25T12:00:00.000Z', durationMs: 13_400, ops: history.filter((o) => o.type === 'invoke').length,
    valid: false, summary: text('Not linearizable: a client read a value that had already been overwritten, during a partition of n1.'),
    checks: [lin, ...otherChecks(text, lockOps)], metrics: { 'ensembleStartMs': 1830, 'failoverMs': 3100, 'ops/s': 48.2 },
    replay: text('npm run scenario -- zk-register-partition --target zk-lite --seed 42'),
    schedule: [{ kind: 'partition-one', at: 150, duration: 2000, pick: 0.1 }, { kind: 'kill', at: 4000, duration: 1500, pick: 0.6 }],
    shrunkSchedule: [{ kind: 'partition-one', at: 150, duration: 1000, pick: 0.1 }],
    shrink: {
      replay: 'npm run scenario -- zk-register-partition --target zk-lite --seed 42 --time-limit 6 --concurrency 2 --schedule shrunk-schedule.json',
      original: { concurrency: 5, timeLimit: 12 }, shrunk: { concurrency: 2, timeLimit: 6 },
      attempts: [
        { change: 'drop every fault', failed: false, ms: 9000, concurrency: 5, timeLimit: 12, faults: 0 },
        { change: 'drop fault 2 (kill)', failed: true, ms: 9100, concurrency: 5, timeLimit: 12, faults: 1 },
        { change: 'halve durations', failed: true, ms: 8800, concurrency: 5, timeLimit: 12, faults: 1 },
        { change: '2 clients, 6 s', failed: true, ms: 7000, concurrency: 2, timeLimit: 6, faults: 1 },
      ],
    },
  };
  const logs = { n1: text('2026-11-25 12:00:00 INFO  leader elected\n2026-11-25 12:00:01 WARN  partitioned from n2, n3\n'), n2: 'INFO follower\n', n3: 'INFO follower\n' };
  return { history, result, logs };
}

export function validRun(): { history: Op[]; result: RunResult; logs: Record<string, string> } {
  const history = indexed(background(0, 12000, [0, 1, 2, 3]));
  const result: RunResult = {
    scenario: 'zk-register-partition', target: 'zookeeper', runtime: 'netns', seed: 42, nodes: 3,
    startedAt: '2026-11-25T12:05:00.000Z', durationMs: 12_100, ops: history.filter((o) => o.type === 'invoke').length,
    valid: true, summary: 'Linearizable: all 300 register ops fit one legal order, through a partition and a kill.',
    checks: [{ checker: 'linearizable', valid: true, summary: 'Linearizable (cas-register, 600 records, 9 ms).', details: { model: 'cas-register', ops: history.length, elapsedMs: 9 } }],
    metrics: { ensembleStartMs: 1950, failoverMs: 2900, 'ops/s': 25.1 }, replay: 'npm run scenario -- zk-register-partition --target zookeeper --seed 42',
  };
  return { history, result, logs: { n1: 'INFO started\n', n2: 'INFO started\n' } };
}

/** Writes both example runs under `store/<scenario>/<timestamp>/`; returns their folders. */
export async function writeExampleStore(store: string, opts: ExampleOptions = {}): Promise<{ violating: string; valid: string }> {
  const violating = await writeRunFolder(path.join(store, 'zk-register-partition', '2026-11-25T12-00-00Z'), violatingRun(opts));
  const valid = await writeRunFolder(path.join(store, 'zk-register-partition', '2026-11-25T12-05-00Z'), validRun());
  return { violating, valid };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeRunReport } = await import('./report.ts');
  const { writeIndex } = await import('./index-page.ts');
  const store = process.argv[2] ?? 'store-examples';
  const runs = await writeExampleStore(store);
  for (const dir of Object.values(runs)) console.log(await writeRunReport(dir));
  console.log(await writeIndex(store));
}
