// The link-fault scenarios end to end on the real systems, on the local runtime where every link goes
// through faultline's proxy: the faults must really happen (fault events for each planned kind) and
// the checks must hold, for ZooKeeper and for the uWSGI/nginx stack.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { FaultValue } from '../harness/history/op.ts';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import { runScenario } from '../harness/scenario/run.ts';
import { tempFolders } from './support/temp.ts';

describe('link-fault scenarios on the local runtime @integration', function () {
  this.timeout(180_000);
  const folder = tempFolders('links');
  const out = () => path.join(folder(), 'store', 'scenario', 'run');
  const schedule: PlannedFault[] = [
    { kind: 'slow-link', at: 1000, duration: 2500, pick: 0.3 },
    { kind: 'flaky-link', at: 4000, duration: 2500, pick: 0.2 },
    { kind: 'stall', at: 7000, duration: 2500, pick: 0.6 },
  ];

  for (const scenario of ['zk-register-links', 'uwsgi-links']) {
    it(`${scenario}: slow, flaky and stalled links injected, every check holds`, async () => {
      const { result, history } = await runScenario({ scenario, seed: 3, timeLimit: 11, schedule, out: out() });
      const kinds = history.filter((o) => o.f === 'fault-start').map((o) => (o.value as FaultValue).fault);
      assert.deepEqual(kinds, ['slow-link', 'flaky-link', 'stall']);
      assert.equal(result.runtime, 'local');
      assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks.map((c) => [c.checker, c.valid, c.summary]))}`);
      assert.ok(history.filter((o) => o.type === 'ok').length > 20, 'real progress');
    });
  }
});
