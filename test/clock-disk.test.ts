// Clock and disk faults on the real systems through the real pipeline (runScenario, netns): real
// ZooKeeper under a 60 s step of its leader's wall clock stays valid and the run says the fault was
// not felt; real uWSGI (clock source unix) lets long requests outlive harakiri after a backward step,
// reported as measured hazards. (Disk faults: the zk-lite table in support/zk-lite-runs.ts; real
// ZooKeeper on full disks is measured by hand, docs/CLOCKS.md.)
import assert from 'node:assert/strict';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import { checkNamed as check, runInTemp, summary } from './support/runs.ts';

const run = (scenario: string, target: string, timeLimit: number, schedule?: PlannedFault[]) => runInTemp({ scenario, target, seed: 7, timeLimit, schedule });

describe('clock faults on real ZooKeeper and uWSGI @integration', function () {
  this.timeout(120_000);

  it('ZooKeeper: the leader\'s wall clock 60 s back and forward again changes nothing it decides (not felt)', async () => {
    const { result, history } = await run('zk-register-clock', 'zookeeper', 8, [{ kind: 'clock-jump-leader', at: 2000, duration: 3500, pick: 0.9 }]);
    assert.equal(result.valid, true, summary(result));
    assert.ok(history.some((op) => op.f === 'fault-start'), 'the clock fault never started');
    assert.equal(check(result, 'clock-faults').metrics?.notFelt, 1, summary(result));
    assert.equal(check(result, 'session-expiry').metrics?.expiries, 0, summary(result));
  });

  it('uWSGI (clock source unix): long requests outlive harakiri after a backward step, reported as hazards', async () => {
    const { result } = await run('uwsgi-harakiri-clock', 'uwsgi-nginx', 8, [{ kind: 'clock-jump', at: 2000, duration: 3500, pick: 0.9 }]);
    assert.equal(result.valid, true, summary(result));
    const m = check(result, 'harakiri-clock').metrics!;
    assert.equal(m.backwardSteps, 1, summary(result));
    assert.ok(m.overruns > 0, `no long request outlived harakiri after a -60 s step: ${summary(result)}`);
  });
});
