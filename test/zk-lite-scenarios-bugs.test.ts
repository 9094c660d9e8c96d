// Each of zk-lite's six switchable bugs makes the scenario BUGS.md names fail within a short run:
// bug → scenario → seed (support/zk-lite-runs.ts holds the table, BUGS.md gives the same one).
import assert from 'node:assert/strict';
import { KNOWN_BUGS } from '../targets/zk-lite/config.ts';
import { CATCHES, itCatches } from './support/zk-lite-runs.ts';

describe('zk-lite bugs caught through the real pipeline @integration', function () {
  this.timeout(120_000);

  it('the table names every switchable bug once', () => {
    assert.deepEqual(CATCHES.map((c) => c.bug).sort(), [...KNOWN_BUGS].sort());
  });

  itCatches(CATCHES);
});
