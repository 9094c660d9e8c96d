// Bug-free zk-lite through the real pipeline: the register scenarios pass (the table and the runs are
// in support/zk-lite-runs.ts; the recipes and the bug table are in their own files so they run side
// by side).
import { itPasses, REGISTER_PASSES } from './support/zk-lite-runs.ts';

describe('zk-lite register scenarios through the real pipeline @integration', function () {
  this.timeout(120_000);
  itPasses(REGISTER_PASSES);
});
