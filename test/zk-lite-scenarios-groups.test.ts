// Bug-free zk-lite through the real pipeline: the barrier, membership, config and watch recipes pass
// (support/zk-lite-runs.ts).
import { itPasses, RECIPE_PASSES } from './support/zk-lite-runs.ts';

describe('zk-lite barrier, membership, config and watch scenarios through the real pipeline @integration', function () {
  this.timeout(120_000);
  itPasses(RECIPE_PASSES.filter((r) => !/lock|election|queue/.test(r.scenario)));
});
