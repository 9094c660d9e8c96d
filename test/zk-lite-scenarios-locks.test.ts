// Bug-free zk-lite through the real pipeline: the lock, election and queue recipes pass, with the
// fixed schedules the bug table uses (support/zk-lite-runs.ts).
import { itPasses, RECIPE_PASSES } from './support/zk-lite-runs.ts';

describe('zk-lite lock, election and queue scenarios through the real pipeline @integration', function () {
  this.timeout(120_000);
  itPasses(RECIPE_PASSES.filter((r) => /lock|election|queue/.test(r.scenario)));
});
