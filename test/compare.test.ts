import assert from 'node:assert/strict';
import { comparisonTable, type Comparison } from '../reports/comparison.ts';
import { splitTargets } from '../harness/commands/compare.ts';

describe('compare', () => {
  it('splits target lists on commas, or on semicolons when specs carry options with commas', () => {
    assert.deepEqual(splitTargets('zookeeper,zk-lite,zk-lite:bug=stale-read'), ['zookeeper', 'zk-lite', 'zk-lite:bug=stale-read']);
    assert.deepEqual(splitTargets('uwsgi-nginx:harakiri=2,processes=3; uwsgi-lite'), ['uwsgi-nginx:harakiri=2,processes=3', 'uwsgi-lite']);
  });

  it('tabulates verdict per checker per target and seed, with totals', () => {
    const c: Comparison = {
      scenario: 'zk-register', startedAt: '2026-11-25T00:00:00Z', targets: ['zookeeper', 'zk-lite:bug=stale-read'], seeds: [1],
      runs: [
        { target: 'zookeeper', seed: 1, dir: 'a', valid: true, summary: '', checks: { linearizable: true }, ops: 100, okPerSec: 50, latency: { read: { p50: 2, p99: 9 } }, metrics: { failoverMs: 3100 } },
        { target: 'zk-lite:bug=stale-read', seed: 1, dir: 'b', valid: false, summary: '', checks: { linearizable: false }, ops: 90, okPerSec: 45, latency: {}, metrics: {} },
      ],
      totals: { zookeeper: { valid: 1, invalid: 0, unknown: 0 }, 'zk-lite:bug=stale-read': { valid: 0, invalid: 1, unknown: 0 } },
    };
    const table = comparisonTable(c).split('\n');
    assert.match(table[0], /target\s+seed\s+verdict\s+linearizable\s+ops\s+ok\/s\s+read p50\s+read p99\s+failoverMs/);
    assert.match(table[2], /^zookeeper\s+1\s+valid\s+valid\s+100\s+50\s+2ms\s+9ms\s+3100$/);
    assert.match(table[3], /^zk-lite:bug=stale-read\s+1\s+INVALID\s+INVALID\s+90\s+45\s+–\s+–\s+–$/);
    assert.ok(table.includes('zk-lite:bug=stale-read: 0 valid, 1 invalid, 0 unknown'));
  });
});
