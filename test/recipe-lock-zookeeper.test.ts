// The lock recipe end to end on real ZooKeeper, through the pipeline the CLI uses: a short zk-lock run
// with a partition and a kill passes every lock check with real progress; a kill of the first
// holder's server past the session timeout yields a fencing hazard (reported apart from double
// holds) in which the token-guarded resource rejects the stale holder; and the lock that admits
// the two lowest waiters makes its scenario exit 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultValue } from '../harness/history/op.ts';
import { runScenario } from '../harness/scenario/run.ts';
import type { CheckResult } from '../harness/checker/result.ts';
import { tempFolders } from './support/temp.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = (checks: CheckResult[], name: string) => checks.find((c) => c.checker === name)!;

describe('zk-lock scenarios on real ZooKeeper @integration', function () {
  this.timeout(240_000);
  const tmp = tempFolders('zklock');

  it('zk-lock with a partition and a kill: no double hold, mutex-linearizable, holders drawn', async () => {
    const schedule = [
      { kind: 'partition-halves', at: 1500, duration: 5000, pick: 0.4 },
      { kind: 'kill', at: 7500, duration: 5000, pick: 0.7 },
    ];
    const { result, history } = await runScenario({ scenario: 'zk-lock', seed: 7, timeLimit: 14, schedule, out: tmp() });
    assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks.map((c) => [c.checker, c.summary]))}`);
    assert.deepEqual(history.filter((o) => o.f === 'fault-start').map((o) => (o.value as FaultValue).fault), ['partition-halves', 'kill']);
    const holders = check(result.checks, 'lock-safety').details!.holders as { process: number; token: number }[];
    assert.ok(holders.length >= 20, `holds: ${holders.length}`);
    assert.ok(check(result.checks, 'mutex-linearizable').valid === true);
    assert.ok(history.some((o) => o.f === 'session' && (o.value as { state: string }).state === 'disconnected'), 'the faults cut some sessions');
  });

  it('zk-lock-fencing: the cut-off holder is a fencing hazard, and the resource rejects its stale token', async () => {
    // clients start staggered, so process 0 on n1 holds first; n1 is killed for longer than the session timeout
    const schedule = [{ kind: 'kill', at: 1500, duration: 8000, pick: 0.1 }];
    const { result } = await runScenario({ scenario: 'zk-lock-fencing', seed: 7, timeLimit: 14, schedule, out: tmp() });
    assert.equal(result.valid, true, result.summary);
    assert.equal(check(result.checks, 'lock-safety').valid, true, 'not a double hold of live sessions');
    const fencing = check(result.checks, 'lock-fencing');
    const hazards = fencing.details!.hazards as { process: number; token: number; newToken: number; staleWritesRejected: number; evidence: string }[];
    assert.ok(hazards.length >= 1, fencing.summary);
    const h = hazards[0];
    assert.equal(h.process, 0);
    assert.ok(h.newToken > h.token, 'the new holder has a higher fencing token (czxid)');
    assert.ok(h.staleWritesRejected >= 1, JSON.stringify(h));
    assert.match(h.evidence, new RegExp(`rejected token ${h.token}: fenced`));
    assert.match(fencing.summary, /fencing hazard.*rejected \d+ stale write/);
  });

  it('zk-lock-broken (two lowest waiters admitted) exits 1 with a double hold', () => {
    const out = tmp();
    const r = spawnSync('npx', ['tsx', 'harness/cli.ts', 'scenario', 'zk-lock-broken', '--time-limit', '5', '--seed', '3', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /INVALID: two live sessions held the lock at once/);
    assert.match(r.stdout, /FAIL mutex-linearizable: not linearizable/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    const safety = check(result.checks, 'lock-safety');
    assert.ok(safety.violations!.length >= 1 && safety.violations![0].ops!.length === 2);
  });
});
