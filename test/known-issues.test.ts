// Known upstream issues: which violations of a run a scenario's declaration explains (only the
// declared checker, on the declared target, after the declared faults in order — anything else stays
// a new failure), and the checks a declaration gets before a run starts.
import assert from 'node:assert/strict';
import type { CheckResult } from '../harness/checker/result.ts';
import { UsageError } from '../harness/errors.ts';
import { NEMESIS, type Op } from '../harness/history/op.ts';
import { checkKnownIssues, matchKnownIssues, onlyKnownIssues } from '../harness/scenario/known-issues.ts';
import type { KnownIssue } from '../harness/scenario/types.ts';

const ISSUE: KnownIssue = {
  id: 'ZOOKEEPER-4882', url: 'https://issues.apache.org/jira/browse/ZOOKEEPER-4882', target: 'zookeeper', checker: 'linearizable',
  description: 'acknowledged writes lost after ENOSPC and a restart', afterFaults: ['disk-full*', 'kill-all'],
};

/** Fault windows in this order, 1 s apart. */
const faults = (...kinds: string[]): Op[] => kinds.flatMap((fault, i) => [
  { index: 2 * i, time: 1000 * i, process: NEMESIS, type: 'event' as const, f: 'fault-start', value: { fault, id: String(i) } },
  { index: 2 * i + 1, time: 1000 * i + 500, process: NEMESIS, type: 'event' as const, f: 'fault-end', value: { fault, id: String(i) } },
]);

const check = (checker: string, valid: CheckResult['valid']): CheckResult => ({ checker, valid, summary: `${checker}: ${String(valid)}` });

describe('known upstream issues', () => {
  const lost = [check('linearizable', false), check('recovery', true)];

  it('explain a violation of the declared checker on the declared target after the declared faults', () => {
    const m = matchKnownIssues([ISSUE], 'zookeeper', lost, faults('disk-full-leader', 'disk-full-all', 'kill-all', 'disk-full'));
    assert.deepEqual(m, [{ checker: 'linearizable', id: 'ZOOKEEPER-4882', url: ISSUE.url, description: ISSUE.description }]);
    assert.equal(onlyKnownIssues({ valid: false, checks: lost, knownIssues: m }), true);
  });

  it('explain nothing on another target, for another checker, or without the faults in their order', () => {
    const h = faults('disk-full-all', 'kill-all');
    assert.deepEqual(matchKnownIssues([ISSUE], 'zk-lite', lost, h), [], 'zk-lite losing data is a zk-lite bug');
    assert.deepEqual(matchKnownIssues([ISSUE], 'zookeeper', [check('recovery', false)], h), [], 'another checker');
    assert.deepEqual(matchKnownIssues([ISSUE], 'zookeeper', lost, faults('kill-all', 'disk-full-all')), [], 'crash before the disk fault');
    assert.deepEqual(matchKnownIssues([ISSUE], 'zookeeper', lost, faults('disk-full')), [], 'no crash');
    assert.deepEqual(matchKnownIssues([ISSUE], 'zookeeper', [check('linearizable', 'unknown')], h), [], 'only a violation is explained');
  });

  it('a target spec with options matches only runs with those options', () => {
    const unix = { ...ISSUE, target: 'zookeeper:tickTime=500', afterFaults: [] };
    assert.equal(matchKnownIssues([unix], 'zookeeper:tickTime=500,nodes=3', lost, []).length, 1);
    assert.equal(matchKnownIssues([unix], 'zookeeper', lost, []).length, 0);
  });

  it('a run with a known and a new violation is not "only known"', () => {
    const checks = [check('linearizable', false), check('recovery', false)];
    const m = matchKnownIssues([ISSUE], 'zookeeper', checks, faults('disk-full-all', 'kill-all'));
    assert.deepEqual(m.map((x) => x.checker), ['linearizable']);
    assert.equal(onlyKnownIssues({ valid: false, checks, knownIssues: m }), false);
    assert.equal(onlyKnownIssues({ valid: true, checks: [], knownIssues: [] }), false, 'a valid run hit no issue');
  });

  it('a declaration is checked before the run: url, fields, and a checker the workload runs', () => {
    assert.doesNotThrow(() => checkKnownIssues('s', [ISSUE], ['linearizable', 'recovery']));
    assert.throws(() => checkKnownIssues('s', [ISSUE], ['recovery']), (e: unknown) => e instanceof UsageError && /names checker 'linearizable', which the scenario's workload does not run/.test(e.message));
    assert.throws(() => checkKnownIssues('s', [{ ...ISSUE, url: 'javascript:alert(1)' }], ['linearizable']), /url must be an http\(s\) address/);
    assert.throws(() => checkKnownIssues('s', [{ ...ISSUE, description: '' }], ['linearizable']), /needs an id, a target, a checker and a description/);
  });
});
