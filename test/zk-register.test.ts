// The register scenarios end to end on real ZooKeeper, through the same pipeline the CLI uses:
// a short zk-register run with a partition and a kill must be linearizable with real progress during
// and after the faults, and the deliberately broken client (reads from its own cache) must make the
// scenario exit 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultValue, Op } from '../harness/history/op.ts';
import { faultWindows } from '../harness/history/faults.ts';
import { runScenario } from '../harness/scenario/run.ts';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import { tempFolders } from './support/temp.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('zk-register scenarios on real ZooKeeper @integration', function () {
  this.timeout(180_000);
  const tmp = tempFolders('zkreg');

  it('zk-register with a partition and a kill: linearizable, ok ops during and after the faults', async () => {
    const schedule: PlannedFault[] = [
      { kind: 'partition-halves', at: 1500, duration: 3500, pick: 0.4 },
      { kind: 'kill', at: 6000, duration: 2500, pick: 0.7 },
    ];
    // the kill ends at 8.5 s; 5.5 s more let a killed leader's successor be elected and the killed
    // node rejoin even on a loaded machine (with 2.5 s, a CI run saw only 14 ok ops after the faults)
    const out = tmp();
    const { result, history } = await runScenario({ scenario: 'zk-register', seed: 7, timeLimit: 14, schedule, out });
    assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks, null, 1).slice(0, 2000)}`);
    assert.ok(existsSync(path.join(out, 'result.json')) && existsSync(path.join(out, 'history.jsonl')));
    const started = history.filter((o) => o.f === 'fault-start').map((o) => (o.value as FaultValue).fault);
    assert.deepEqual(started, ['partition-halves', 'kill'], 'both faults really happened');
    const windows = faultWindows(history).filter((w) => !w.open).map((w) => [w.start, w.end]);
    const ok = history.filter((o) => o.type === 'ok');
    const during = ok.filter((o) => windows.some(([s, e]) => o.time >= s && o.time <= e)).length;
    const lastEnd = Math.max(...windows.map(([, e]) => e));
    const after = ok.filter((o) => o.time > lastEnd).length;
    assert.ok(during >= 50, `ok ops during faults: ${during}`);
    assert.ok(after >= 20, `ok ops after faults: ${after}`);
    assert.ok(ok.some((o) => o.f === 'write' || o.f === 'cas'), 'some writes succeeded');
    assert.ok((result.metrics?.startMs ?? 0) > 0, 'ensemble start time recorded');
  });

  it('zk-register-broken (reads from the client cache) exits 1 with a linearizability violation', () => {
    const out = tmp();
    const r = spawnSync('npx', ['tsx', 'harness/cli.ts', 'scenario', 'zk-register-broken', '--time-limit', '4', '--seed', '3', '--out', out], {
      cwd: ROOT, encoding: 'utf8', timeout: 150_000,
    });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /INVALID: not linearizable/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    const lin = result.checks.find((c: { checker: string }) => c.checker === 'linearizable');
    assert.equal(lin.valid, false);
    assert.ok(lin.details.counterexample.ops.some((o: Op) => o.f === 'read'), 'the counterexample involves a read');
  });
});
